package io.finetune.dataset;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmenterTest {
    private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Test
    void sameSeedSourceAndCopyGiveTheSamePixels() {
        BufferedImage src = TestImages.picture(64, 48, 1, BufferedImage.TYPE_INT_RGB);
        Augmenter.Copy a = Augmenter.augment(src, 7, SHA, 0);
        Augmenter.Copy b = Augmenter.augment(src, 7, SHA, 0);
        assertEquals(a.description(), b.description());
        assertEquals(Hashes.sha256(ImageProcessor.jpeg(a.image())), Hashes.sha256(ImageProcessor.jpeg(b.image())));
        assertEquals(64, a.image().getWidth());
        assertEquals(48, a.image().getHeight());
    }

    @Test
    void copiesAndSeedsDiffer() {
        BufferedImage src = TestImages.picture(64, 48, 1, BufferedImage.TYPE_INT_RGB);
        String c0 = Augmenter.augment(src, 7, SHA, 0).description();
        assertNotEquals(c0, Augmenter.augment(src, 7, SHA, 1).description());
        assertNotEquals(c0, Augmenter.augment(src, 8, SHA, 0).description());
        assertTrue(c0.matches("(flip,)?rot=-?[0-9.]+,crop=[0-9.]+,bright=[0-9.]+,sat=[0-9.]+"), c0);
    }
}
