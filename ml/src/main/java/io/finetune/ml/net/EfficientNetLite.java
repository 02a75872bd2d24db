package io.finetune.ml.net;

import io.finetune.contracts.Normalization;
import io.finetune.ml.net.MobileLayers.ConvBn;
import io.finetune.ml.net.MobileLayers.MBConv;

import java.util.ArrayList;
import java.util.List;

/**
 * EfficientNet-Lite0..2 (Google's TPU EfficientNet-Lite: EfficientNet-B0's block table without squeeze-excitation,
 * ReLU6 instead of swish, stem and head kept at 32 and 1280 channels). Built from the base block table and the
 * width/depth coefficients exactly as TensorFlow's {@code efficientnet_lite_builder} does; the layer list matches
 * the {@code config.json} shipped with the weights (tested).
 *
 * <p>Layers: {@code stem} (3x3/2 conv, BN, ReLU6), {@code block0} .. {@code blockN} (MBConv), {@code top} (1x1 conv
 * to 1280, BN, ReLU6, global average pooling: its output is the 1280-d feature vector), then {@code classifier}
 * (dense). Cut points are every feature layer; the default cut {@code top} freezes the whole backbone.
 */
public final class EfficientNetLite {
    /** Stages of the base network: repeats, kernel, stride, expand ratio, output channels. */
    private static final int[][] STAGES = {
            {1, 3, 1, 1, 16},
            {2, 3, 2, 6, 24},
            {2, 5, 2, 6, 40},
            {3, 3, 2, 6, 80},
            {3, 5, 1, 6, 112},
            {4, 5, 2, 6, 192},
            {1, 3, 1, 6, 320},
    };
    private static final int STEM_FILTERS = 32;
    private static final int TOP_FILTERS = 1280;
    private static final int DEPTH_DIVISOR = 8;

    private EfficientNetLite() {
    }

    /**
     * @param width      channel multiplier (lite0 1.0, lite1 1.0, lite2 1.1)
     * @param depth      repeat multiplier (1.0, 1.1, 1.2); the first and last stage are never repeated more
     * @param resolution native input size (224, 240, 260)
     */
    static Architecture build(String name, double width, double depth, int resolution, double dropout) {
        List<Layer> layers = new ArrayList<>();
        layers.add(new ConvBn("stem", 3, STEM_FILTERS, 2, true, false));
        int block = 0;
        for (int s = 0; s < STAGES.length; s++) {
            int[] st = STAGES[s];
            boolean fixed = s == 0 || s == STAGES.length - 1;
            int repeats = fixed ? st[0] : (int) Math.ceil(depth * st[0]);
            int filters = roundFilters(st[4], width);
            for (int r = 0; r < repeats; r++) {
                layers.add(new MBConv("block" + block++, st[1], r == 0 ? st[2] : 1, st[3], filters));
            }
        }
        layers.add(new ConvBn("top", 1, TOP_FILTERS, 1, true, true));
        layers.add(Layers.Dense.classifier("classifier"));
        List<String> cuts = layers.subList(0, layers.size() - 1).stream().map(Layer::name).toList();
        return new Architecture(name, "EfficientNet-Lite (ImageNet backbone): stem, " + block + " MBConv blocks "
                + "(depthwise separable, ReLU6, no squeeze-excitation), 1x1 conv to 1280, global average pooling, "
                + "dropout " + dropout + ", classifier", layers, cuts, "top",
                new Architecture.Input(resolution, Normalization.EFFICIENTNET_LITE), dropout);
    }

    /** TensorFlow's {@code round_filters}: scale, round to a multiple of 8, never more than 10% down. */
    static int roundFilters(int filters, double width) {
        double scaled = filters * width;
        int rounded = Math.max(DEPTH_DIVISOR, (int) (scaled + DEPTH_DIVISOR / 2.0) / DEPTH_DIVISOR * DEPTH_DIVISOR);
        if (rounded < 0.9 * scaled) {
            rounded += DEPTH_DIVISOR;
        }
        return rounded;
    }
}
