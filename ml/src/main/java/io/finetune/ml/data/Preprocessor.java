package io.finetune.ml.data;

import io.finetune.contracts.Normalization;
import io.finetune.imaging.DecodedImage;
import io.finetune.imaging.ImageDecoder;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.imaging.ImageResizer;

import java.awt.image.BufferedImage;

/**
 * The one preprocessing path of training, evaluation and serving: decode (imaging's decoder), stretch to a square
 * of {@code imageSize}, then (pixel / 255 - mean) / std per channel in NHWC order. Rebuilt from a manifest by the
 * loader. Thread-safe.
 */
public final class Preprocessor {
    private final ImageDecoder decoder;
    private final int imageSize;
    private final float[] offset = new float[3];
    private final float[] scale = new float[3];

    public Preprocessor(ImageDecoder decoder, int imageSize, Normalization normalization) {
        if (!"RGB".equals(normalization.colorSpace()) || !"NHWC".equals(normalization.layout())) {
            throw new IllegalArgumentException("expected normalization RGB/NHWC, found "
                    + normalization.colorSpace() + "/" + normalization.layout());
        }
        if (normalization.mean().length != 3 || normalization.std().length != 3) {
            throw new IllegalArgumentException("expected 3 normalization means and stds, found "
                    + normalization.mean().length + " and " + normalization.std().length);
        }
        this.decoder = decoder;
        this.imageSize = imageSize;
        for (int c = 0; c < 3; c++) {
            scale[c] = (float) (1.0 / (255.0 * normalization.std()[c]));
            offset[c] = (float) (normalization.mean()[c] / normalization.std()[c]);
        }
    }

    public int imageSize() {
        return imageSize;
    }

    /** Decoded and resized, as packed 8-bit RGB (3 bytes per pixel, row-major). */
    public byte[] pixels(byte[] encoded) throws ImageRejectedException {
        DecodedImage image = decoder.decode(encoded);
        BufferedImage square = ImageResizer.square(image.rgb(), imageSize);
        int[] argb = square.getRGB(0, 0, imageSize, imageSize, null, 0, imageSize);
        byte[] rgb = new byte[argb.length * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (byte) (argb[i] >> 16);
            rgb[3 * i + 1] = (byte) (argb[i] >> 8);
            rgb[3 * i + 2] = (byte) argb[i];
        }
        return rgb;
    }

    /** Writes normalized NHWC floats of one image at {@code offsetInto}. */
    public void normalize(byte[] rgb, float[] into, int offsetInto) {
        for (int i = 0; i < rgb.length; i++) {
            int c = i % 3;
            into[offsetInto + i] = (rgb[i] & 0xff) * scale[c] - offset[c];
        }
    }

    /** Same as {@link #normalize(byte[], float[], int)} for pixels already in [0,1] (after augmentation). */
    public void normalizeUnit(float[] unit, float[] into, int offsetInto) {
        for (int i = 0; i < unit.length; i++) {
            int c = i % 3;
            into[offsetInto + i] = unit[i] * 255f * scale[c] - offset[c];
        }
    }
}
