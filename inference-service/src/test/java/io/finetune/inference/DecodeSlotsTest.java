package io.finetune.inference;

import io.finetune.imaging.DecodeGate;
import io.finetune.service.ApiException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecodeSlotsTest {
    private static final long LARGE = 40_000_000;

    @Test
    void aLargeDecodeBeyondTheSlotsGetsA503WithRetryAfterAndAFreedSlotIsTakenAgain() {
        DecodeSlots slots = new DecodeSlots(2, 1_000_000, Duration.ofMillis(50), Duration.ofSeconds(3));
        DecodeGate.Pass first = slots.enter(LARGE);
        DecodeGate.Pass second = slots.enter(LARGE);
        ApiException busy = assertThrows(ApiException.class, () -> slots.enter(LARGE));
        assertEquals(503, busy.status().getCode());
        assertEquals(Duration.ofSeconds(3), busy.retryAfter().orElseThrow());
        assertTrue(busy.getMessage().contains("found all 2 busy"), busy.getMessage());
        first.close();
        first.close(); // closing twice frees one slot, not two
        assertEquals(1, slots.available());
        try (DecodeGate.Pass again = slots.enter(LARGE)) {
            assertEquals(0, slots.available());
        }
        second.close();
        assertEquals(2, slots.available());
    }

    @Test
    void smallImagesAreDecodedWithoutASlotEvenWhenAllAreBusy() {
        DecodeSlots slots = new DecodeSlots(1, 1_000_000, Duration.ofMillis(50), Duration.ofSeconds(1));
        try (DecodeGate.Pass large = slots.enter(LARGE); DecodeGate.Pass small = slots.enter(224 * 224)) {
            assertEquals(0, slots.available());
        }
        assertEquals(1, slots.available());
    }
}
