package io.finetune.contracts;

/** What a {@link TrainingCommand} asks for. */
public enum JobKind {
    /** Train a model from random initialization on a dataset. */
    BASE,
    /** Copy and freeze a base model's feature layers, train a new head on another dataset. */
    FINETUNE,
    /** The fine-tuned target's architecture from random initialization: the comparison baseline. */
    SCRATCH,
    /** Stop the named job at its next batch boundary. */
    CANCEL,
    /** A model imported from pretrained weights (for example ImageNet): a model kind, never a command. */
    PRETRAINED
}
