package io.finetune.trainer;

/** How a job attempt ended, as far as its command record is concerned. */
public enum JobOutcome {
    /** A final state is recorded (or already was): commit the record. */
    FINISHED,
    /** This instance let go of a RUNNING job (shutdown, partition moved, ownership lost): do not commit. */
    ABANDONED,
    /** Faults persisted and not even a FAILED state could be written: deliver the record again later. */
    RETRY_LATER
}
