package io.finetune.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code summary.json} of a dataset version.
 *
 * @param counts images per split, then per class
 */
public record DatasetSummary(int schemaVersion, String name, String version, String fingerprint,
                             List<String> classes, Map<String, Map<String, Integer>> counts, int images,
                             int duplicates, List<RejectedFile> rejected, Instant createdAt, String source,
                             long seed) {
    public static final int SCHEMA_VERSION = 1;
}
