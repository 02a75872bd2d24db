package io.finetune.contracts;

import java.time.Instant;

/**
 * {@code serving/models/{modelName}.json}: whether the inference replicas serve a model and which version. Written
 * whole in one PUT (atomic: readers see the old or the new document), then announced on
 * {@link Topics#SERVING_CHANGES}; every replica reconciles to it at start, on events and periodically. A document
 * with {@code serve = false} is kept (not deleted), so that following new models by default does not start serving
 * a model again that an operator stopped. Later schema versions may add a traffic split between versions.
 *
 * @param version {@link #LATEST} (follow the {@code latest} pointer) or a positive integer (pinned to that version)
 * @param source  who wrote it: {@code api}, {@code job:<jobId>} or {@code follow-new-models}
 */
public record ServingState(int schemaVersion, String modelName, boolean serve, String version, String source,
                           Instant updatedAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String LATEST = "latest";
    public static final String SOURCE_API = "api";
    public static final String SOURCE_FOLLOW_NEW_MODELS = "follow-new-models";

    public static String sourceJob(String jobId) {
        return "job:" + jobId;
    }

    public boolean followsLatest() {
        return LATEST.equals(version);
    }
}
