package io.finetune.contracts;

public enum DatasetEventType {
    READY, FAILED
}
