package io.finetune.trainer;

/** How a job attempt ended, as far as its queue entry is concerned. */
public enum JobOutcome {
    /** A final state is recorded (or already was): the job leaves the queue. */
    FINISHED,
    /** This instance let go of a RUNNING job (shutdown, lease lost): another trainer resumes it. */
    ABANDONED,
    /** Faults persisted and not even a FAILED state could be written: claim the job again later. */
    RETRY_LATER
}
