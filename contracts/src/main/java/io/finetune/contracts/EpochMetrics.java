package io.finetune.contracts;

/** Metrics of one finished epoch. {@code phase} is {@code head} or {@code unfreeze} for FINETUNE, else {@code train}. */
public record EpochMetrics(int epoch, int totalEpochs, String phase, double trainLoss, double trainAccuracy,
                           double validationLoss, double validationAccuracy, double seconds, double imagesPerSecond) {
}
