package io.finetune.ml.data;

import io.finetune.ml.net.Shape;

import java.util.SplittableRandom;

/**
 * Dropout on cached classifier inputs: each value is zeroed with probability {@code rate} and the others scaled by
 * {@code 1 / (1 - rate)}, drawn from the example's stream seeded by (seed, epoch, example) (see {@link Batches}), so
 * a resumed run draws the same masks. The classifier of a backbone trained on cached features sees what dropout
 * in the network would give it.
 */
public final class FeatureDropout implements Examples {
    private final Examples features;
    private final double rate;

    public FeatureDropout(Examples features, double rate) {
        if (!(rate > 0 && rate < 1)) {
            throw new IllegalArgumentException("expected a dropout rate in (0, 1), found " + rate);
        }
        this.features = features;
        this.rate = rate;
    }

    @Override
    public int size() {
        return features.size();
    }

    @Override
    public int label(int index) {
        return features.label(index);
    }

    @Override
    public Shape shape() {
        return features.shape();
    }

    @Override
    public void write(int index, float[] into, int offset, SplittableRandom random) {
        features.write(index, into, offset, null);
        float keep = (float) (1 / (1 - rate));
        long n = features.shape().size();
        for (int i = 0; i < n; i++) {
            into[offset + i] = random.nextDouble() < rate ? 0f : into[offset + i] * keep;
        }
    }

    @Override
    public boolean augments() {
        return true;
    }
}
