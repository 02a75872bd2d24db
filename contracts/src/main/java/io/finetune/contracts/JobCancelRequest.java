package io.finetune.contracts;

import java.time.Instant;

/**
 * {@code jobs/{jobId}/cancel.json}: a CANCEL command recorded for the job, created once by the trainer that read it.
 * Whichever trainer runs or later claims the job sees it at its next lease renewal or claim and ends it CANCELLED.
 *
 * @param commandAt the broker timestamp of the CANCEL record
 */
public record JobCancelRequest(int schemaVersion, String jobId, Instant commandAt, String reason) {
    public static final int SCHEMA_VERSION = 1;
}
