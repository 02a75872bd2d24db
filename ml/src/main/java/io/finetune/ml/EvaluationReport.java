package io.finetune.ml;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.ml.data.SkippedImage;

import java.util.List;

/**
 * Held-out metrics of a classifier. {@code confusion[actual][predicted]} counts examples; per-class accuracy is
 * recall (NaN for a class without examples). Skipped files are listed with their reason.
 */
public record EvaluationReport(int examples, double loss, double accuracy, double top5Accuracy, double macroF1,
                               List<String> classes, List<Double> perClassAccuracy, int[][] confusion,
                               List<SkippedImage> skipped) {
    public EvaluationSummary toSummary() {
        return new EvaluationSummary(examples, loss, accuracy, top5Accuracy, macroF1);
    }

    public String toJson() {
        try {
            return ContractCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode evaluation report: " + e.getOriginalMessage(), e);
        }
    }
}
