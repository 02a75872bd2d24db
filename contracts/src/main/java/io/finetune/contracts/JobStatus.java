package io.finetune.contracts;

public enum JobStatus {
    RUNNING, COMPLETED, FAILED, CANCELLED;

    public boolean isFinal() {
        return this != RUNNING;
    }
}
