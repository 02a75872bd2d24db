package io.finetune.contracts;

import java.time.Instant;

/** A new model version is complete in object storage and the {@code latest} pointer names it. Keyed by model name. */
public record ModelPublished(int schemaVersion, String modelName, String version, Instant publishedAt, String jobId,
                             String architecture, int numClasses, int imageSize, ModelRef parent,
                             String datasetFingerprint) {
    public static final int SCHEMA_VERSION = 1;
}
