package io.finetune.ml.data;

import io.finetune.ml.net.Shape;

import java.util.SplittableRandom;

/** Training examples a batch can be assembled from: images, or cached features of the frozen part. */
public interface Examples {
    int size();

    int label(int index);

    Shape shape();

    /** Writes example {@code index} as model input; {@code random} is null when no augmentation applies. */
    void write(int index, float[] into, int offset, SplittableRandom random);

    /** Whether {@link #write} draws from its random stream (augmented training images). */
    boolean augments();
}
