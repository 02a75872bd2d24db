package io.finetune.dataset;

/** What an uploaded archive may expand to before it is treated as hostile. */
public record ArchiveLimits(int maxEntries, long maxExtractedBytes, int maxCompressionRatio) {
    /** Below this many bytes an entry's ratio is not judged: tiny files compress absurdly well and harm nobody. */
    static final long RATIO_FLOOR_BYTES = 1L << 20;

    static ArchiveLimits of(DatasetConfiguration c) {
        return new ArchiveLimits(c.maxArchiveEntries(), c.maxExtractedBytes(), c.maxCompressionRatio());
    }
}
