package io.finetune.ml.data;

import io.finetune.contracts.Augmentation;
import io.finetune.ml.net.Shape;

import java.util.SplittableRandom;

/** Decoded images as model input, augmented when an augmentation is given. */
public final class ImageExamples implements Examples {
    private final DecodedSet set;
    private final Preprocessor preprocessor;
    private final Augmenter augmenter;

    public ImageExamples(DecodedSet set, Preprocessor preprocessor, Augmentation augmentation) {
        this.set = set;
        this.preprocessor = preprocessor;
        this.augmenter = augmentation == null ? null : new Augmenter(augmentation, preprocessor.imageSize());
    }

    @Override
    public int size() {
        return set.size();
    }

    @Override
    public int label(int index) {
        return set.labels()[index];
    }

    @Override
    public Shape shape() {
        return new Shape(preprocessor.imageSize(), preprocessor.imageSize(), 3);
    }

    @Override
    public void write(int index, float[] into, int offset, SplittableRandom random) {
        StoredImage image = set.stored().get(index);
        if (augmenter == null) {
            preprocessor.normalize(preprocessor.modelInput(image), into, offset);
        } else {
            preprocessor.normalizeUnit(augmenter.apply(image, random), into, offset);
        }
    }

    @Override
    public boolean augments() {
        return augmenter != null;
    }
}
