package io.finetune.dataset;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Offline augmentation: a horizontal flip (half the time), a small rotation, a crop, and brightness/saturation
 * jitter, all drawn from a generator seeded by the ingest seed, the source image's hash and the copy number, so a
 * re-run makes the same copies.
 *
 * <p>Why there are two augmenters: this one makes <em>stored</em> images (JPEG files of any size, listed in the
 * manifest with what was done, the same for every reader and every run), so that a small dataset grows once for
 * every model trained on it; {@code io.finetune.ml.data.Augmenter} makes a different view of a stored image into the
 * model's input tensor at every epoch (resampled once, never stored, parameters from the job's {@code
 * Augmentation}). Sharing the geometry would tie the dataset format to one model's input size and normalisation.
 */
public final class Augmenter {
    public static final double MAX_ROTATION_DEGREES = 15;
    public static final double MIN_CROP = 0.8;

    /** An augmented copy and what was done to make it (recorded in the manifest). */
    public record Copy(BufferedImage image, String description) {
    }

    private Augmenter() {
    }

    public static Copy augment(BufferedImage src, long seed, String sourceSha256, int copy) {
        SplittableRandom random = new SplittableRandom(seed ^ Long.parseUnsignedLong(sourceSha256.substring(0, 15), 16)
                ^ (copy + 1) * 0x9E3779B97F4A7C15L);
        boolean flip = random.nextBoolean();
        double degrees = (random.nextDouble() * 2 - 1) * MAX_ROTATION_DEGREES;
        double crop = MIN_CROP + random.nextDouble() * (1 - MIN_CROP);
        double cx = random.nextDouble();
        double cy = random.nextDouble();
        double brightness = 0.8 + random.nextDouble() * 0.4;
        double saturation = 0.8 + random.nextDouble() * 0.4;
        int w = src.getWidth();
        int h = src.getHeight();
        // Scale up enough that the rotated, cropped view never shows the canvas outside the source.
        double radians = Math.toRadians(degrees);
        double cover = Math.abs(Math.cos(radians)) + Math.abs(Math.sin(radians)) * Math.max((double) w / h,
                (double) h / w);
        double scale = cover / crop;
        double slackX = (scale - cover) * w / 2;
        double slackY = (scale - cover) * h / 2;
        AffineTransform t = new AffineTransform();
        t.translate(w / 2.0 + (cx - 0.5) * 2 * slackX, h / 2.0 + (cy - 0.5) * 2 * slackY);
        t.rotate(radians);
        t.scale(flip ? -scale : scale, scale);
        t.translate(-w / 2.0, -h / 2.0);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, t, null);
        } finally {
            g.dispose();
        }
        jitter(out, brightness, saturation);
        String description = String.format(Locale.ROOT, "%srot=%.1f,crop=%.2f,bright=%.2f,sat=%.2f",
                flip ? "flip," : "", degrees, crop, brightness, saturation);
        return new Copy(out, description);
    }

    private static void jitter(BufferedImage img, double brightness, double saturation) {
        int w = img.getWidth();
        int[] row = new int[w];
        for (int y = 0; y < img.getHeight(); y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                double r = (p >> 16) & 0xff;
                double gr = (p >> 8) & 0xff;
                double b = p & 0xff;
                double grey = 0.299 * r + 0.587 * gr + 0.114 * b;
                r = (grey + (r - grey) * saturation) * brightness;
                gr = (grey + (gr - grey) * saturation) * brightness;
                b = (grey + (b - grey) * saturation) * brightness;
                row[x] = (clamp(r) << 16) | (clamp(gr) << 8) | clamp(b);
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
