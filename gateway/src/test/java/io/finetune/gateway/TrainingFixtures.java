package io.finetune.gateway;

import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.TrainingEvent;
import io.finetune.contracts.TrainingEventType;

import java.time.Instant;

final class TrainingFixtures {
    private TrainingFixtures() {
    }

    static String finetuneRequest(String jobId) {
        return """
                {%s"kind": "FINETUNE", "modelName": "flowers-ft", "dataset": {"name": "flowers", "version": "latest"},
                 "baseModel": {"name": "imagenette", "version": "latest"}, "architecture": "res-cnn",
                 "hyperParameters": {"epochs": 3, "batchSize": 16, "learningRate": 0.001, "imageSize": 64},
                 "seed": 7}
                """.formatted(jobId == null ? "" : "\"jobId\": \"" + jobId + "\", ");
    }

    static TrainingEvent event(String jobId, TrainingEventType type, JobKind kind, int epoch, double valAcc) {
        EpochMetrics metrics = type == TrainingEventType.EPOCH_COMPLETED
                ? new EpochMetrics(epoch, Math.max(3, epoch), "head", 1.0 / epoch, valAcc - 0.05, 1.1 / epoch, valAcc, 2.5, 40)
                : null;
        ModelRef model = type == TrainingEventType.COMPLETED ? new ModelRef("flowers-ft", "1") : null;
        EvaluationSummary test = type == TrainingEventType.COMPLETED
                ? new EvaluationSummary(30, 0.4, 0.83, 0.99, 0.82) : null;
        return new TrainingEvent(TrainingEvent.SCHEMA_VERSION, jobId, type, Instant.parse("2026-01-01T00:00:00Z")
                .plusSeconds(epoch), kind, "flowers-ft", metrics, model, test,
                type == TrainingEventType.FAILED ? "out of memory" : null);
    }
}
