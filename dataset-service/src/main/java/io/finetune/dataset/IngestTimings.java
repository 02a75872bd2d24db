package io.finetune.dataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where an ingest's time goes: per stage summed over worker threads (CPU-side nanoseconds, not wall time), and the
 * wall time of each phase (hashing, decoding, uploading, ...).
 */
public final class IngestTimings {
    private record PhaseStart(String name, long nanos) {
    }

    private final List<PhaseStart> phases = new ArrayList<>();
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

    synchronized void phase(String name) {
        phases.add(new PhaseStart(name, System.nanoTime()));
    }

    /** Wall seconds of each phase in order, until the next one began (the last one until now). */
    public synchronized Map<String, Double> phaseSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < phases.size(); i++) {
            long end = i + 1 < phases.size() ? phases.get(i + 1).nanos() : System.nanoTime();
            out.merge(phases.get(i).name(), (end - phases.get(i).nanos()) / 1e9, Double::sum);
        }
        return out;
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
