package io.finetune.dataset;

/** How far an ingest got in its current phase (hashing, decoding, uploading, checking, publishing, done). */
public record IngestProgress(String phase, int processed, int total, double percent) {
    static IngestProgress of(String phase, int processed, int total) {
        return new IngestProgress(phase, processed, total, total == 0 ? 0 : Math.round(1000.0 * processed / total)
                / 10.0);
    }
}
