package io.finetune.ml.data;

/** A decoded, resized training image kept in memory: packed 8-bit RGB, row-major. */
public record StoredImage(byte[] rgb, int width, int height) {
    public StoredImage {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + width * height * 3 + " bytes for " + width + "x"
                    + height + " RGB, found " + rgb.length);
        }
    }
}
