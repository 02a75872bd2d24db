package io.finetune.contracts;

/** How a decoded image becomes the model's square input. */
public enum ResizeMode {
    /** Stretch to a square (aspect ratio not kept): the reference pipeline's, and what a null mode means. */
    STRETCH,
    /** Shorter side to the input size (bilinear, aspect kept), then the centred square: ImageNet evaluation. */
    CENTER_CROP
}
