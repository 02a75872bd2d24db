package io.finetune.contracts;

/**
 * How pixels become model input: RGB, resized to {@code imageSize} square by {@code resize}, value =
 * (pixel/255 - mean) / std per channel. The reference scales to [0,1], which is mean 0 and std 1, and stretches;
 * ImageNet EfficientNet-Lite backbones use (pixel - 127) / 128 on a centre crop. A null {@code resize} (manifests
 * written before it existed) means {@link ResizeMode#STRETCH}.
 */
public record Normalization(String colorSpace, String layout, double[] mean, double[] std, ResizeMode resize) {
    public static final Normalization UNIT_RGB_NHWC = new Normalization("RGB", "NHWC", new double[]{0, 0, 0},
            new double[]{1, 1, 1}, ResizeMode.STRETCH);
    /** EfficientNet-Lite's own: (x - 127) / 128 on 0..255 RGB, centre crop. */
    public static final Normalization EFFICIENTNET_LITE = new Normalization("RGB", "NHWC",
            new double[]{127.0 / 255, 127.0 / 255, 127.0 / 255}, new double[]{128.0 / 255, 128.0 / 255, 128.0 / 255},
            ResizeMode.CENTER_CROP);

    public Normalization(String colorSpace, String layout, double[] mean, double[] std) {
        this(colorSpace, layout, mean, std, ResizeMode.STRETCH);
    }

    /** The resize mode, {@link ResizeMode#STRETCH} when unset. */
    public ResizeMode resizeMode() {
        return resize == null ? ResizeMode.STRETCH : resize;
    }
}
