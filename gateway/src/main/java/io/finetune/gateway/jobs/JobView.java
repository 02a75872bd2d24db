package io.finetune.gateway.jobs;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelRef;

import java.time.Instant;
import java.util.List;

/**
 * A training job as the gateway shows it: what was asked, where it is, and the metrics of every finished epoch
 * in order. Built only from the command and event topics, so it is the same after a restart.
 *
 * @param submittedAt the broker timestamp of the job's first command or event
 * @param epochs      one entry per (phase, epoch), in the order the epochs finished
 */
public record JobView(String jobId, JobKind kind, String modelName, DatasetRef dataset, ModelRef baseModel,
                      String architecture, HyperParameters hyperParameters, JobStage status,
                      boolean cancelRequested, Instant submittedAt, Instant updatedAt, List<EpochMetrics> epochs,
                      ModelRef model, EvaluationSummary test, String reason) {
}
