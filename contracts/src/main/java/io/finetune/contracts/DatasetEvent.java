package io.finetune.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * A dataset version became visible (READY) or its ingest failed (FAILED, with {@code reason}). Keyed by dataset name.
 *
 * @param counts images per split, then per class
 */
public record DatasetEvent(int schemaVersion, String datasetName, String version, DatasetEventType type,
                           Instant timestamp, String fingerprint, Map<String, Map<String, Integer>> counts,
                           int images, int rejected, String reason) {
    public static final int SCHEMA_VERSION = 1;
}
