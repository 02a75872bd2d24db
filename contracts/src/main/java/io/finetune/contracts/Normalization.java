package io.finetune.contracts;

/**
 * How pixels become model input: RGB, resized to {@code imageSize} square, value = (pixel/255 - mean) / std per
 * channel. The reference scales to [0,1], which is mean 0 and std 1.
 */
public record Normalization(String colorSpace, String layout, double[] mean, double[] std) {
    public static final Normalization UNIT_RGB_NHWC = new Normalization("RGB", "NHWC", new double[]{0, 0, 0},
            new double[]{1, 1, 1});
}
