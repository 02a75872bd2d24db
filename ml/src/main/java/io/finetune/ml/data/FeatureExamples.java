package io.finetune.ml.data;

import io.finetune.ml.net.Shape;

import java.util.SplittableRandom;

/** Cached outputs of a frozen feature extractor, one float vector per image. */
public record FeatureExamples(float[][] features, int[] labels, Shape shape) implements Examples {
    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public void write(int index, float[] into, int offset, SplittableRandom random) {
        System.arraycopy(features[index], 0, into, offset, features[index].length);
    }

    @Override
    public boolean augments() {
        return false;
    }
}
