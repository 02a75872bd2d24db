package io.finetune.dataset;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngestOptionsTest {
    @Test
    void defaultsFillWhatIsMissing() {
        IngestOptions o = IngestOptions.of(null, null, null, null, null, null, "resized-to-max-side", 128, 2, 5);
        assertEquals(0.8, o.trainRatio());
        assertEquals(StoragePolicy.RESIZED, o.storage());
        assertEquals(128, o.maxSide());
        assertEquals(2, o.augmentCopies());
        assertEquals(5, o.minImagesPerClass());
        assertEquals(SplitMode.AUTO, o.splitMode());
    }

    @Test
    void badValuesAreNamed() {
        String message = assertThrows(IllegalArgumentException.class, () -> IngestOptions.of(0.5, 0.1, null, "magic",
                null, null, "thumbnails", 4, 99, 0)).getMessage();
        assertTrue(message.contains("sum to 1"), message);
        assertTrue(message.contains("expected split one of auto, given, ratios, found 'magic'"), message);
        assertTrue(message.contains("expected storage originals or resized, found 'thumbnails'"), message);
        assertTrue(message.contains("maxSide"), message);
        assertTrue(message.contains("augmentCopies"), message);
        assertTrue(message.contains("minImagesPerClass"), message);
    }
}
