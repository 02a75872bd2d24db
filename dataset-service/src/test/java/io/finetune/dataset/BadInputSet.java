package io.finetune.dataset;

import io.finetune.contracts.RejectReason;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A generated class-folder dataset seeded with every bad-input case next to good images that need normalizing.
 * Limits it relies on: {@link #MAX_IMAGE_BYTES} and {@link #MAX_PIXELS}; minimum images per class 2.
 */
final class BadInputSet {
    static final long MAX_IMAGE_BYTES = 200_000;
    static final long MAX_PIXELS = 1_000_000;
    static final int GOOD_IMAGES = 16;
    /** Good images per class (cats have 6 plain + gray, CMYK, alpha and EXIF-rotated ones). */
    static final Map<String, Integer> GOOD_PER_CLASS = Map.of("cats", 10, "dogs", 6);

    private BadInputSet() {
    }

    /** Writes the set under {@code root}; returns the expected rejection reason of each bad file. */
    static Map<String, RejectReason> write(Path root) {
        for (int i = 0; i < 6; i++) {
            TestImages.write(root.resolve("cats/cat-" + i + ".jpg"), TestImages.jpeg(64, 48, 100 + i));
            TestImages.write(root.resolve("dogs/dog-" + i + ".jpg"), TestImages.jpeg(48, 64, 200 + i));
        }
        TestImages.write(root.resolve("cats/gray.jpg"), TestImages.grayJpeg(40, 40, 1));
        TestImages.write(root.resolve("cats/cmyk.jpg"), TestImages.cmykJpeg(40, 30, 2));
        TestImages.write(root.resolve("cats/alpha.png"), TestImages.pngWithAlpha(40, 30, 3));
        TestImages.write(root.resolve("cats/rotated.jpg"), TestImages.exifRotatedJpeg(60, 30, 4, 6));
        Map<String, RejectReason> bad = new LinkedHashMap<>();
        bad.put(put(root, "cats/corrupt.jpg", TestImages.corruptJpeg(5)), RejectReason.CORRUPT_IMAGE);
        bad.put(put(root, "cats/truncated.jpg", TestImages.truncatedJpeg(6)), RejectReason.TRUNCATED_IMAGE);
        bad.put(put(root, "cats/notes.jpg", TestImages.notAnImage()), RejectReason.NOT_AN_IMAGE);
        bad.put(put(root, "cats/empty.jpg", new byte[0]), RejectReason.EMPTY_FILE);
        bad.put(put(root, "dogs/anim.gif", TestImages.gif(32, 32, 7)), RejectReason.UNSUPPORTED_FORMAT);
        bad.put(put(root, "dogs/bomb.png", TestImages.hugeCanvasPng(2000, 1000)), RejectReason.TOO_MANY_PIXELS);
        bad.put(put(root, "dogs/huge.png", noise(320, 320)), RejectReason.TOO_LARGE);
        bad.put(put(root, "dogs/zz-copy-of-dog-0.jpg", TestImages.jpeg(48, 64, 200)), RejectReason.DUPLICATE);
        bad.put(put(root, "fish/only-fish.jpg", TestImages.jpeg(50, 50, 300)), RejectReason.CLASS_TOO_SMALL);
        return bad;
    }

    private static String put(Path root, String name, byte[] bytes) {
        TestImages.write(root.resolve(name), bytes);
        return name;
    }

    private static byte[] noise(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(9);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(0xffffff));
            }
        }
        return TestImages.encode(img, "png");
    }
}
