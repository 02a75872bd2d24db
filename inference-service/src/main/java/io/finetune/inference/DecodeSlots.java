package io.finetune.inference;

import io.finetune.imaging.DecodeGate;
import io.finetune.service.ApiException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The bounded number of large images the service decodes at once: the decoder takes a slot while it reads the pixels
 * of an image over {@code ungatedPixels}; a decode beyond the bound waits a little for a slot, then its request gets a
 * 503 with {@code Retry-After}. A burst of huge images costs a bounded heap, never an out-of-memory restart; small
 * images (about 7 MB of heap each at most, the model loader's probe among them) are never held up.
 */
@Singleton
final class DecodeSlots implements DecodeGate {
    private static final DecodeGate.Pass NONE = () -> { };
    private final Semaphore slots;
    private final int capacity;
    private final long ungatedPixels;
    private final Duration queueWait;
    private final Duration retryAfter;

    @Inject
    DecodeSlots(DecodingConfiguration config) {
        this(config.maxConcurrent(), config.ungatedPixels(), config.queueWait(), config.retryAfter());
    }

    DecodeSlots(int capacity, long ungatedPixels, Duration queueWait, Duration retryAfter) {
        this.slots = new Semaphore(capacity, true);
        this.capacity = capacity;
        this.ungatedPixels = ungatedPixels;
        this.queueWait = queueWait;
        this.retryAfter = retryAfter;
    }

    @Override
    public DecodeGate.Pass enter(long pixels) {
        if (pixels <= ungatedPixels) {
            return NONE;
        }
        try {
            if (!slots.tryAcquire(queueWait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw ApiException.busy("expected a free decoding slot within " + queueWait.toMillis() + " ms, found "
                        + "all " + capacity + " busy with large images: retry later", retryAfter);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.busy("interrupted while waiting for a decoding slot", retryAfter);
        }
        return new Slot();
    }

    int available() {
        return slots.availablePermits();
    }

    /** One decode's slot; closing it twice frees it once. */
    private final class Slot implements DecodeGate.Pass {
        private boolean released;

        @Override
        public void close() {
            if (!released) {
                released = true;
                slots.release();
            }
        }
    }
}
