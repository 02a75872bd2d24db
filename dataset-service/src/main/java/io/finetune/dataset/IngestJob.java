package io.finetune.dataset;

import io.finetune.contracts.DatasetSummary;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/** One ingest as this process runs it: its progress, then its outcome. Thread-safe. */
public final class IngestJob {
    private final String name;
    private final String version;
    private final String source;
    private final IngestOptions options;
    private final int files;
    private final Instant startedAt = Instant.now();
    private final AtomicInteger processed = new AtomicInteger();
    private final IngestTimings timings = new IngestTimings();
    private volatile int total;
    private volatile String phase = "queued";
    private volatile IngestState state = IngestState.INGESTING;
    private volatile DatasetSummary summary;
    private volatile String identicalTo;
    private volatile String error;
    private volatile Instant finishedAt;

    IngestJob(String name, String version, String source, IngestOptions options, int files) {
        this.files = files;
        this.name = name;
        this.version = version;
        this.source = source;
        this.options = options;
    }

    void phase(String phase, int total) {
        timings.phase(phase);
        this.phase = phase;
        this.total = total;
        this.processed.set(0);
    }

    void advance() {
        processed.incrementAndGet();
    }

    void ready(DatasetSummary summary, String identicalTo) {
        this.summary = summary;
        this.identicalTo = identicalTo;
        timings.phase("done");
        this.phase = "done";
        this.finishedAt = Instant.now();
        this.state = IngestState.READY;
    }

    void failed(String error) {
        this.error = error;
        timings.phase("failed");
        this.phase = "failed";
        this.finishedAt = Instant.now();
        this.state = IngestState.FAILED;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    public String source() {
        return source;
    }

    public IngestOptions options() {
        return options;
    }

    /** Candidate files the source listed. */
    public int files() {
        return files;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    public int processed() {
        return processed.get();
    }

    public int total() {
        return total;
    }

    public String phase() {
        return phase;
    }

    public IngestState state() {
        return state;
    }

    public DatasetSummary summary() {
        return summary;
    }

    /** The existing version this ingest turned out identical to (no new version was made), or null. */
    public String identicalTo() {
        return identicalTo;
    }

    public String error() {
        return error;
    }

    public IngestTimings timings() {
        return timings;
    }
}
