package io.finetune.imaging;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Deterministic resizing: the same input gives the same pixels in training, evaluation and serving. */
public final class ImageResizer {
    private ImageResizer() {
    }

    /** Stretches to a {@code size} x {@code size} square (as the reference pipeline does), bilinear. */
    public static BufferedImage square(BufferedImage src, int size) {
        return resize(src, size, size);
    }

    /** Shrinks so that the longer side is at most {@code maxSide}, keeping the aspect ratio; never enlarges. */
    public static BufferedImage fitWithin(BufferedImage src, int maxSide) {
        int w = src.getWidth();
        int h = src.getHeight();
        int longer = Math.max(w, h);
        if (longer <= maxSide) {
            return src;
        }
        double scale = (double) maxSide / longer;
        return resize(src, Math.max(1, (int) Math.round(w * scale)), Math.max(1, (int) Math.round(h * scale)));
    }

    public static BufferedImage resize(BufferedImage src, int width, int height) {
        if (src.getWidth() == width && src.getHeight() == height && src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        BufferedImage current = src;
        // Halve repeatedly before the last bilinear step so that large downscales do not alias.
        while (current.getWidth() >= 2 * width && current.getHeight() >= 2 * height) {
            current = draw(current, current.getWidth() / 2, current.getHeight() / 2);
        }
        return draw(current, width, height);
    }

    private static BufferedImage draw(BufferedImage src, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
