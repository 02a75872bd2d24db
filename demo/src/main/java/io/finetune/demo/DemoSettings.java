package io.finetune.demo;

/**
 * How big a demo run is. The three jobs share {@code epochs}, batch size and learning rate, so fine-tune and scratch
 * get the same budget.
 *
 * @param name              preset name, part of dataset and model names so presets never mix
 * @param flower5Classes    classes of Flower5 used (0 = all 5)
 * @param flower102Classes  classes of Flower102 used (0 = all 102)
 * @param flower5ImagesPerClass   Flower5 images per class taken (0 = all)
 * @param flower102ImagesPerClass Flower102 images per class and split taken (0 = all)
 * @param heldOutPerClass   images per class kept out of every dataset, sent through the gateway at the end
 * @param backbone          the ImageNet backbone fine-tuned on the same Flower102 data beside the reference pair
 */
public record DemoSettings(String name, int flower5Classes, int flower102Classes, int flower5ImagesPerClass,
                           int flower102ImagesPerClass,
                           int heldOutPerClass, int imageSize, int baseEpochs, int epochs, int batchSize,
                           double learningRate, String architecture, long seed, Backbone backbone) {

    /**
     * The backbone run: a registry model (published by {@code ./finetune up} from ../shared/weights), fine-tuned in
     * two phases: the head on cached views for {@code epochs}, then the top {@code unfreezeLayers} layers for
     * {@code unfreezeEpochs}. {@code views} null: the trainer's default.
     */
    public record Backbone(String model, String architecture, int imageSize, int epochs, double learningRate,
                           int unfreezeLayers, int unfreezeEpochs, double unfreezeLearningRate, Integer views) {
        public int totalEpochs() {
            return epochs + unfreezeEpochs;
        }
    }

    static final String BACKBONE_MODEL = "imagenet-efficientnet-lite0";

    /**
     * CI scale: a few classes, tiny images, a few epochs; the backbone with 2 views, 2 + 1 epochs: the whole
     * pipeline end to end in a few minutes.
     */
    public static DemoSettings quick() {
        return new DemoSettings("quick", 5, 12, 160, 0, 1, 32, 6, 3, 16, 1e-3, "seed-cnn", 42,
                new Backbone(BACKBONE_MODEL, "efficientnet-lite0", 224, 2, 3e-3, 2, 1, 3e-4, 2));
    }

    /**
     * All images: the reference pair at 96 px, 10 epochs each, and EfficientNet-Lite0 at its 224 px (head 10 epochs
     * on 8 cached views, then the top conv and two blocks for 3): within 12 minutes on an idle 2-core CPU.
     */
    public static DemoSettings standard() {
        return new DemoSettings("default", 0, 0, 0, 0, 1, 96, 10, 10, 32, 1e-3, "seed-cnn", 42, standardBackbone());
    }

    private static Backbone standardBackbone() {
        return new Backbone(BACKBONE_MODEL, "efficientnet-lite0", 224, 10, 3e-3, 3, 3, 1e-3, null);
    }

    /** The reference settings: 180 px, 10 epochs, all images. */
    public static DemoSettings full() {
        return new DemoSettings("full", 0, 0, 0, 0, 1, 180, 10, 10, 32, 1e-3, "seed-cnn", 42, standardBackbone());
    }
}
