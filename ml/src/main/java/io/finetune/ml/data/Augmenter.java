package io.finetune.ml.data;

import io.finetune.contracts.Augmentation;

import java.util.SplittableRandom;

/**
 * Seeded online augmentation of a stored RGB image into the model's {@code size x size} input: random resized crop
 * (area fraction in [minCropScale, 1] of the stored image, aspect 3/4 to 4/3), horizontal flip, rotation,
 * brightness and contrast. One inverse mapping with bilinear sampling, so the image is resampled once. Output:
 * floats in [0,1], NHWC. (The dataset service's offline {@code Augmenter} is a different thing on purpose: it stores
 * extra JPEG copies once, at ingest, for every consumer of a dataset; see its javadoc.)
 */
public final class Augmenter {
    private final Augmentation augmentation;
    private final int size;

    public Augmenter(Augmentation augmentation, int size) {
        this.augmentation = augmentation;
        this.size = size;
    }

    public float[] apply(StoredImage image, SplittableRandom random) {
        int width = image.width();
        int height = image.height();
        double side = Math.sqrt((double) width * height);
        double area = augmentation.minCropScale() + random.nextDouble() * (1 - augmentation.minCropScale());
        double aspect = Math.exp(Math.log(3.0 / 4) + random.nextDouble() * Math.log(16.0 / 9));
        double cropW = Math.min(width, side * Math.sqrt(area * aspect));
        double cropH = Math.min(height, side * Math.sqrt(area / aspect));
        double cx = cropW / 2 + random.nextDouble() * (width - cropW);
        double cy = cropH / 2 + random.nextDouble() * (height - cropH);
        boolean flip = augmentation.flip() && random.nextBoolean();
        double angle = Math.toRadians((random.nextDouble() * 2 - 1) * augmentation.maxRotationDegrees());
        double brightness = (random.nextDouble() * 2 - 1) * augmentation.brightness();
        double contrast = 1 + (random.nextDouble() * 2 - 1) * augmentation.contrast();
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double sx = cropW / size;
        double sy = cropH / size;
        float[] out = new float[size * size * 3];
        double sum = 0;
        for (int v = 0; v < size; v++) {
            for (int u = 0; u < size; u++) {
                double px = u + 0.5 - size / 2.0;
                double py = v + 0.5 - size / 2.0;
                if (flip) {
                    px = -px;
                }
                double qx = (cos * px - sin * py) * sx + cx - 0.5;
                double qy = (sin * px + cos * py) * sy + cy - 0.5;
                int o = (v * size + u) * 3;
                sample(image, qx, qy, out, o);
                sum += out[o] + out[o + 1] + out[o + 2];
            }
        }
        float mean = (float) (sum / out.length);
        for (int i = 0; i < out.length; i++) {
            float x = (float) ((out[i] - mean) * contrast + mean + brightness);
            out[i] = Math.max(0f, Math.min(1f, x));
        }
        return out;
    }

    private static void sample(StoredImage image, double x, double y, float[] out, int o) {
        int width = image.width();
        int height = image.height();
        x = Math.max(0, Math.min(width - 1, x));
        y = Math.max(0, Math.min(height - 1, y));
        int x0 = (int) x;
        int y0 = (int) y;
        int x1 = Math.min(width - 1, x0 + 1);
        int y1 = Math.min(height - 1, y0 + 1);
        double fx = x - x0;
        double fy = y - y0;
        byte[] rgb = image.rgb();
        for (int c = 0; c < 3; c++) {
            double top = px(rgb, width, x0, y0, c) * (1 - fx) + px(rgb, width, x1, y0, c) * fx;
            double bottom = px(rgb, width, x0, y1, c) * (1 - fx) + px(rgb, width, x1, y1, c) * fx;
            out[o + c] = (float) ((top * (1 - fy) + bottom * fy) / 255.0);
        }
    }

    private static int px(byte[] rgb, int width, int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }
}
