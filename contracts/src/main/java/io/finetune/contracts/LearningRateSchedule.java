package io.finetune.contracts;

/** The learning rate over the epochs of a training phase. */
public enum LearningRateSchedule {
    /** The phase's rate throughout. */
    CONSTANT,
    /** Cosine decay from the phase's rate towards zero, per epoch. */
    COSINE
}
