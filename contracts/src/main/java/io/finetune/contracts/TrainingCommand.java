package io.finetune.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * A request to train (BASE, FINETUNE, SCRATCH) or to stop (CANCEL) a job. Keyed by {@code jobId}.
 * For CANCEL only {@code jobId} and {@code kind} are required.
 *
 * @param serve optional: once the model is published, the inference replicas serve it ({@link ServingMode});
 *              absent in commands written before it existed, which still parse (the serving state is left alone)
 */
public record TrainingCommand(int schemaVersion, String jobId, JobKind kind, String modelName, DatasetRef dataset,
                              ModelRef baseModel, String architecture, HyperParameters hyperParameters, Long seed,
                              ServingMode serve) {
    public static final int SCHEMA_VERSION = 1;

    /** The canonical constructor is the one JSON binds (Jackson would otherwise take the shorter one). */
    @JsonCreator
    public TrainingCommand {
    }

    /** A command that leaves the serving state alone. */
    public TrainingCommand(int schemaVersion, String jobId, JobKind kind, String modelName, DatasetRef dataset,
                           ModelRef baseModel, String architecture, HyperParameters hyperParameters, Long seed) {
        this(schemaVersion, jobId, kind, modelName, dataset, baseModel, architecture, hyperParameters, seed, null);
    }
}
