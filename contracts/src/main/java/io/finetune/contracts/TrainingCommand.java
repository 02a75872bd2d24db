package io.finetune.contracts;

/**
 * A request to train (BASE, FINETUNE, SCRATCH) or to stop (CANCEL) a job. Keyed by {@code jobId}.
 * For CANCEL only {@code jobId} and {@code kind} are required.
 */
public record TrainingCommand(int schemaVersion, String jobId, JobKind kind, String modelName, DatasetRef dataset,
                              ModelRef baseModel, String architecture, HyperParameters hyperParameters, Long seed) {
    public static final int SCHEMA_VERSION = 1;
}
