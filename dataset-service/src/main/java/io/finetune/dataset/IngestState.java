package io.finetune.dataset;

/** Where an ingest stands. INTERRUPTED: an in-progress marker whose owner is gone (it will be cleaned up). */
public enum IngestState {
    INGESTING, READY, FAILED, INTERRUPTED
}
