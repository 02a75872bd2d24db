package io.finetune.contracts;

/** How a training job asks for its result to be served (the {@code serve} field of a {@link TrainingCommand}). */
public enum ServingMode {
    /** Serve the model and follow its {@code latest} version from now on. */
    LATEST,
    /** Serve exactly the version this job publishes, even after newer versions are published. */
    PINNED
}
