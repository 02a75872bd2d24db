package io.finetune.contracts;

import java.time.Instant;

/**
 * {@code jobs/{jobId}/leases/{generation}.json}: which trainer runs a job. Generation {@code n + 1} can only be created
 * once (a conditional PUT), by the one trainer that saw generation {@code n} stop changing for the lease's time to
 * live; the holder of {@code n} rewrites its own object with {@code beat + 1} while it trains.
 *
 * @param beat      renewals so far: a reader decides expiry by how long it has seen the same beat, on its own clock
 * @param renewedAt the holder's clock at the last renewal, for people reading the object (not used for expiry)
 */
public record JobLease(int schemaVersion, String jobId, long generation, String owner, long beat, Instant renewedAt) {
    public static final int SCHEMA_VERSION = 1;
}
