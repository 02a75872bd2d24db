package io.finetune.gateway.jobs;

import io.finetune.contracts.TrainingEventType;

/** Where a job is, as far as the command and event topics tell. */
public enum JobStage {
    /** A command was published; no trainer has acknowledged it yet. */
    SUBMITTED, ACCEPTED, RUNNING, COMPLETED, FAILED, CANCELLED;

    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    static JobStage of(TrainingEventType type) {
        return switch (type) {
            case ACCEPTED -> ACCEPTED;
            case STARTED, EPOCH_COMPLETED -> RUNNING;
            case COMPLETED -> COMPLETED;
            case FAILED -> FAILED;
            case CANCELLED -> CANCELLED;
        };
    }
}
