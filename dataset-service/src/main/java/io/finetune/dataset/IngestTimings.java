package io.finetune.dataset;

import java.util.concurrent.atomic.LongAdder;

/** Where an ingest's time goes, summed over worker threads (CPU-side nanoseconds, not wall time). */
public final class IngestTimings {
    private final LongAdder read = new LongAdder();
    private final LongAdder decode = new LongAdder();
    private final LongAdder resize = new LongAdder();
    private final LongAdder augment = new LongAdder();
    private final LongAdder upload = new LongAdder();

    void read(long nanos) {
        read.add(nanos);
    }

    void decode(long nanos) {
        decode.add(nanos);
    }

    void resize(long nanos) {
        resize.add(nanos);
    }

    void augment(long nanos) {
        augment.add(nanos);
    }

    void upload(long nanos) {
        upload.add(nanos);
    }

    /** Seconds per stage, summed over threads. */
    public record Breakdown(double readSeconds, double decodeSeconds, double resizeEncodeSeconds,
                            double augmentSeconds, double uploadSeconds) {
    }

    public Breakdown breakdown() {
        return new Breakdown(read.sum() / 1e9, decode.sum() / 1e9, resize.sum() / 1e9, augment.sum() / 1e9,
                upload.sum() / 1e9);
    }
}
