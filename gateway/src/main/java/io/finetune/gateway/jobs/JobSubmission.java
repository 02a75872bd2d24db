package io.finetune.gateway.jobs;

/** The answer to a submitted or cancelled job: where to follow it. */
public record JobSubmission(String jobId, String status, String statusUrl) {
}
