package io.finetune.dataset;

import io.finetune.contracts.RejectReason;
import io.finetune.imaging.DecodeLimits;
import io.finetune.imaging.ImageDecoder;
import io.finetune.imaging.ImageRejectedException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageProcessorTest {
    private final ImageProcessor processor = new ImageProcessor(new ImageDecoder(new DecodeLimits(
            BadInputSet.MAX_IMAGE_BYTES, BadInputSet.MAX_PIXELS)), new IngestTimings());
    private final IngestOptions originals = IngestOptions.DEFAULTS;
    private final IngestOptions resized = IngestOptions.of(null, null, null, null, null, null, "resized", 32, null,
            null);

    private RejectReason rejection(byte[] bytes) {
        return assertThrows(ImageRejectedException.class, () -> processor.process(bytes, originals)).reason();
    }

    @Test
    void rejectsCorruptJpeg() {
        assertEquals(RejectReason.CORRUPT_IMAGE, rejection(TestImages.corruptJpeg(1)));
    }

    @Test
    void rejectsTruncatedJpeg() {
        assertEquals(RejectReason.TRUNCATED_IMAGE, rejection(TestImages.truncatedJpeg(1)));
    }

    @Test
    void rejectsTextBehindAnImageExtension() {
        assertEquals(RejectReason.NOT_AN_IMAGE, rejection(TestImages.notAnImage()));
    }

    @Test
    void rejectsZeroByteFile() {
        assertEquals(RejectReason.EMPTY_FILE, rejection(new byte[0]));
    }

    @Test
    void rejectsUnsupportedFormat() {
        assertEquals(RejectReason.UNSUPPORTED_FORMAT, rejection(TestImages.gif(16, 16, 1)));
    }

    @Test
    void rejectsDecompressionBombFromItsHeader() {
        byte[] bomb = TestImages.hugeCanvasPng(2000, 1000);
        assertTrue(bomb.length < 50_000, "the bomb is small on disk: " + bomb.length);
        assertEquals(RejectReason.TOO_MANY_PIXELS, rejection(bomb));
    }

    @Test
    void normalizesGrayCmykAlphaAndExifRotation() throws Exception {
        assertEquals(40, processor.process(TestImages.grayJpeg(40, 20, 1), originals).width());
        ImageProcessor.Processed cmyk = processor.process(TestImages.cmykJpeg(40, 30, 2), resized);
        assertEquals(32, cmyk.width());
        assertEquals(24, cmyk.height());
        assertEquals(java.awt.image.BufferedImage.TYPE_INT_RGB, processor.process(TestImages.pngWithAlpha(20, 10, 3),
                originals).pixels().getType());
        ImageProcessor.Processed rotated = processor.process(TestImages.exifRotatedJpeg(60, 30, 4, 6), originals);
        assertEquals(30, rotated.width(), "EXIF orientation 6 turns a 60x30 stored image upright to 30x60");
        assertEquals(60, rotated.height());
    }

    @Test
    void originalsKeepSourceBytesAndResizedShrinksToMaxSide() throws Exception {
        byte[] jpeg = TestImages.jpeg(100, 50, 9);
        ImageProcessor.Processed original = processor.process(jpeg, originals);
        assertArrayEquals(jpeg, original.bytes());
        assertEquals(Hashes.sha256(jpeg), original.sha256());
        ImageProcessor.Processed small = processor.process(jpeg, resized);
        assertEquals(32, small.width());
        assertEquals(16, small.height());
        assertEquals("jpg", small.extension());
        assertEquals(small.sha256(), processor.process(jpeg, resized).sha256(), "re-encoding is deterministic");
    }
}
