package io.finetune.contracts;

/** Held-out metrics of a finished model. */
public record EvaluationSummary(int examples, double loss, double accuracy, double top5Accuracy, double macroF1) {
}
