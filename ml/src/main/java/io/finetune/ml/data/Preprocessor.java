package io.finetune.ml.data;

import io.finetune.contracts.Normalization;
import io.finetune.contracts.ResizeMode;
import io.finetune.imaging.DecodedImage;
import io.finetune.imaging.ImageDecoder;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.imaging.ImageResizer;
import io.finetune.imaging.PillowBilinear;

import java.awt.image.BufferedImage;

/**
 * The one preprocessing path of training, evaluation and serving: decode (imaging's decoder, subsampled while
 * reading when the image is more than four times the input size, so a huge image never costs a full-size copy), make
 * a square of
 * {@code imageSize} as the normalization's {@link ResizeMode} says (stretch; or Pillow-exact bilinear resize of the
 * shorter side and the centred square, as ImageNet backbones expect), then (pixel / 255 - mean) / std per channel in
 * NHWC order. Rebuilt from a manifest by the loader. Thread-safe.
 */
public final class Preprocessor {
    private final ImageDecoder decoder;
    private final int imageSize;
    private final ResizeMode resize;
    private final Normalization normalization;
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
        this.resize = normalization.resizeMode();
        this.normalization = normalization;
        for (int c = 0; c < 3; c++) {
            scale[c] = (float) (1.0 / (255.0 * normalization.std()[c]));
            offset[c] = (float) (normalization.mean()[c] / normalization.std()[c]);
        }
    }

    public int imageSize() {
        return imageSize;
    }

    public Normalization normalization() {
        return normalization;
    }

    public ResizeMode resize() {
        return resize;
    }

    /** Decoded and resized to the model's square input, as packed 8-bit RGB (3 bytes per pixel, row-major). */
    public byte[] pixels(byte[] encoded) throws ImageRejectedException {
        DecodedImage image = decoder.decode(encoded, imageSize);
        BufferedImage square = resize == ResizeMode.CENTER_CROP
                ? PillowBilinear.resizeShorterThenCenterCrop(image.rgb(), imageSize)
                : ImageResizer.square(image.rgb(), imageSize);
        return rgb(square);
    }

    /**
     * Decoded and resized for training: the model's square input, or, when {@code forAugmentation} and the mode
     * crops, the whole image with its shorter side at {@code imageSize} (so that random crops can reach its edges);
     * {@link #modelInput} turns it into the square.
     */
    public StoredImage store(byte[] encoded, boolean forAugmentation) throws ImageRejectedException {
        if (!forAugmentation || resize != ResizeMode.CENTER_CROP) {
            return new StoredImage(pixels(encoded), imageSize, imageSize);
        }
        BufferedImage resized = PillowBilinear.resizeShorter(decoder.decode(encoded, imageSize).rgb(), imageSize);
        return new StoredImage(rgb(resized), resized.getWidth(), resized.getHeight());
    }

    /** The model's square input from a stored image: itself, or its centred square (the same pixels as {@link #pixels}). */
    public byte[] modelInput(StoredImage image) {
        if (image.width() == imageSize && image.height() == imageSize) {
            return image.rgb();
        }
        int top = (int) Math.rint((image.height() - imageSize) / 2.0);
        int left = (int) Math.rint((image.width() - imageSize) / 2.0);
        byte[] out = new byte[imageSize * imageSize * 3];
        for (int y = 0; y < imageSize; y++) {
            System.arraycopy(image.rgb(), ((top + y) * image.width() + left) * 3, out, y * imageSize * 3,
                    imageSize * 3);
        }
        return out;
    }

    private static byte[] rgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
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
