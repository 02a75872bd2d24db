package io.finetune.contracts;

import java.time.Instant;

/**
 * {@code jobs/{jobId}/state.json}: what a trainer knows of a job, so that a redelivered command is handled once.
 *
 * @param status  RUNNING until a final {@link TrainingEventType}
 * @param lastCheckpointEpoch the last epoch whose checkpoint is complete, 0 for none
 */
public record JobState(int schemaVersion, String jobId, JobStatus status, TrainingCommand command,
                       int lastCheckpointEpoch, ModelRef model, String reason, String owner, Instant updatedAt) {
    public static final int SCHEMA_VERSION = 1;
}
