package io.finetune.contracts;

/** Optional second fine-tuning phase: unfreeze the top {@code layers} feature layers and train with a lower rate. */
public record UnfreezePhase(int epochs, int layers, double learningRate) {
}
