package io.finetune.contracts;

import java.time.Instant;

/**
 * Progress of a training job, keyed by {@code jobId}. Which optional fields are set depends on {@code type}:
 * {@code epoch} for EPOCH_COMPLETED, {@code model} and {@code test} for COMPLETED, {@code reason} for FAILED
 * and CANCELLED.
 */
public record TrainingEvent(int schemaVersion, String jobId, TrainingEventType type, Instant timestamp, JobKind kind,
                            String modelName, EpochMetrics epoch, ModelRef model, EvaluationSummary test,
                            String reason) {
    public static final int SCHEMA_VERSION = 1;
}
