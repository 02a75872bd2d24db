package io.finetune.inference;

import io.finetune.contracts.RejectReason;
import io.finetune.imaging.ImageRejectedException;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageAdmissionTest {
    private final ImageAdmission admission = new ImageAdmission(100_000, 10_000);

    @Test
    void emptyTooLargeAndTooManyPixelsAreRejectedBeforeDecoding() {
        assertEquals(RejectReason.EMPTY_FILE, assertThrows(ImageRejectedException.class,
                () -> admission.check(new byte[0])).reason());
        assertEquals(RejectReason.TOO_LARGE, assertThrows(ImageRejectedException.class,
                () -> admission.check(new byte[100_001])).reason());
        byte[] big = TinyImages.png(new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB));
        ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> admission.check(big));
        assertEquals(RejectReason.TOO_MANY_PIXELS, e.reason());
        assertEquals("expected at most 10000 pixels, found 200x100 = 20000", e.getMessage());
    }

    @Test
    void imagesWithinLimitsAndNonImagesPassToTheDecoder() {
        assertDoesNotThrow(() -> admission.check(TinyImages.jpeg(new BufferedImage(100, 100,
                BufferedImage.TYPE_INT_RGB))));
        assertDoesNotThrow(() -> admission.check("hello".getBytes()));
    }
}
