package io.finetune.ml;

import java.util.List;

/** Class names in label order and the three splits; {@code test} may be empty. */
public record ImageDataset(List<String> classes, List<LabeledImage> train, List<LabeledImage> validation,
                           List<LabeledImage> test) {
    public ImageDataset {
        classes = List.copyOf(classes);
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }
}
