package io.finetune.ml;

/** A class and its predicted probability. */
public record ClassScore(String className, int index, double probability) {
}
