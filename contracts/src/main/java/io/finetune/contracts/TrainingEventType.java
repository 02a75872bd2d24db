package io.finetune.contracts;

/** Life cycle of a training job as seen on the events topic. */
public enum TrainingEventType {
    ACCEPTED, STARTED, EPOCH_COMPLETED, COMPLETED, FAILED, CANCELLED;

    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
