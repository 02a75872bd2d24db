package io.finetune.ml.net;

/** Activation shape of one example without the batch axis: NHWC, or a flat vector of {@code channels}. */
public record Shape(int height, int width, int channels, boolean spatial) {
    public Shape(int height, int width, int channels) {
        this(height, width, channels, true);
    }

    public static Shape flat(int n) {
        return new Shape(1, 1, n, false);
    }

    public long size() {
        return (long) height * width * channels;
    }

    public long[] batchShape(long batch) {
        return spatial ? new long[]{batch, height, width, channels} : new long[]{batch, channels};
    }

    public boolean isFlat() {
        return !spatial;
    }

    @Override
    public String toString() {
        return spatial ? height + "x" + width + "x" + channels : String.valueOf(channels);
    }
}
