package io.finetune.imaging;

import java.awt.image.BufferedImage;

/**
 * Bilinear resizing computed exactly as Pillow's {@code Image.resize(size, BILINEAR)} (what torchvision's
 * {@code Resize} does to a PIL image, and so what ImageNet backbones were evaluated with): a separable triangle filter
 * whose support widens with the downscale factor (antialiasing), weights normalized and turned into 22-bit fixed
 * point, the horizontal pass first, each pass rounded and clipped to 8 bits. Pixels match Pillow's for the same
 * decoded input, so a pretrained network sees what its reference saw. Thread-safe (no state).
 */
public final class PillowBilinear {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowBilinear() {
    }

    /** Resizes an RGB image to {@code width x height}. */
    public static BufferedImage resize(BufferedImage src, int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("expected a positive size, found " + width + "x" + height);
        }
        int srcW = src.getWidth();
        int srcH = src.getHeight();
        int[] pixels = src.getRGB(0, 0, srcW, srcH, null, 0, srcW);
        int[] horizontal = srcW == width ? pixels : pass(pixels, srcW, srcH, width, true);
        int[] both = srcH == height ? horizontal : pass(horizontal, width, srcH, height, false);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, width, height, both, 0, width);
        return out;
    }

    /**
     * Shorter side to {@code size} (the longer one {@code floor(size * longer / shorter)}, as torchvision computes
     * it), then the centred {@code size x size} square (offsets rounded half to even, as Python's {@code round}).
     */
    public static BufferedImage resizeShorterThenCenterCrop(BufferedImage src, int size) {
        BufferedImage resized = resizeShorter(src, size);
        return centerCrop(resized, size);
    }

    /** Shorter side to {@code size}, aspect ratio kept (torchvision {@code Resize(size)}). */
    public static BufferedImage resizeShorter(BufferedImage src, int size) {
        int w = src.getWidth();
        int h = src.getHeight();
        int newW = w <= h ? size : (int) ((long) size * w / h);
        int newH = w <= h ? (int) ((long) size * h / w) : size;
        return resize(src, newW, newH);
    }

    /** The centred square of {@code size} (torchvision {@code CenterCrop(size)} on an image at least that large). */
    public static BufferedImage centerCrop(BufferedImage src, int size) {
        if (src.getWidth() < size || src.getHeight() < size) {
            throw new IllegalArgumentException("expected an image of at least " + size + "x" + size + ", found "
                    + src.getWidth() + "x" + src.getHeight());
        }
        int top = (int) Math.rint((src.getHeight() - size) / 2.0);
        int left = (int) Math.rint((src.getWidth() - size) / 2.0);
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, size, size, src.getRGB(left, top, size, size, null, 0, size), 0, size);
        return out;
    }

    /** One separable pass over packed RGB, along x ({@code horizontal}) or y. */
    private static int[] pass(int[] in, int inW, int inH, int outSize, boolean horizontal) {
        int inSize = horizontal ? inW : inH;
        Coefficients k = Coefficients.of(inSize, outSize);
        int outW = horizontal ? outSize : inW;
        int outH = horizontal ? inH : outSize;
        int[] out = new int[outW * outH];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int o = horizontal ? x : y;
                int first = k.first[o];
                int count = k.count[o];
                int base = o * k.stride;
                int r = half;
                int g = half;
                int b = half;
                for (int i = 0; i < count; i++) {
                    int p = horizontal ? in[y * inW + first + i] : in[(first + i) * inW + x];
                    int w = k.weights[base + i];
                    r += ((p >> 16) & 0xff) * w;
                    g += ((p >> 8) & 0xff) * w;
                    b += (p & 0xff) * w;
                }
                out[y * outW + x] = (clip(r) << 16) | (clip(g) << 8) | clip(b);
            }
        }
        return out;
    }

    private static int clip(int fixed) {
        int v = fixed >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Per output pixel: first input pixel, count, and fixed-point weights ({@code stride} slots each). */
    private record Coefficients(int[] first, int[] count, int[] weights, int stride) {
        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale;
            int stride = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            int[] weights = new int[outSize * stride];
            double[] w = new double[stride];
            double ss = 1.0 / filterScale;
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int n = Math.min((int) (center + support + 0.5), inSize) - min;
                double total = 0;
                for (int i = 0; i < n; i++) {
                    double t = Math.abs((i + min - center + 0.5) * ss);
                    w[i] = t < 1 ? 1 - t : 0;
                    total += w[i];
                }
                for (int i = 0; i < n; i++) {
                    double v = total == 0 ? 0 : w[i] / total;
                    weights[o * stride + i] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS)
                            : 0.5 + v * (1 << PRECISION_BITS));
                }
                first[o] = min;
                count[o] = n;
            }
            return new Coefficients(first, count, weights, stride);
        }
    }
}
