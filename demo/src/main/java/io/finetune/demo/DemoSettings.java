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
 */
public record DemoSettings(String name, int flower5Classes, int flower102Classes, int flower5ImagesPerClass,
                           int flower102ImagesPerClass,
                           int heldOutPerClass, int imageSize, int baseEpochs, int epochs, int batchSize,
                           double learningRate, String architecture, long seed) {

    /** CI scale: a few classes, tiny images, two epochs: the whole pipeline end to end in a few minutes. */
    public static DemoSettings quick() {
        return new DemoSettings("quick", 5, 12, 160, 0, 1, 32, 6, 3, 16, 1e-3, "seed-cnn", 42);
    }

    /** All images at 96 px, 10 epochs each: about 6 minutes on an idle 2-core CPU, well within 15. */
    public static DemoSettings standard() {
        return new DemoSettings("default", 0, 0, 0, 0, 1, 96, 10, 10, 32, 1e-3, "seed-cnn", 42);
    }

    /** The reference settings: 180 px, 10 epochs, all images. */
    public static DemoSettings full() {
        return new DemoSettings("full", 0, 0, 0, 0, 1, 180, 10, 10, 32, 1e-3, "seed-cnn", 42);
    }
}
