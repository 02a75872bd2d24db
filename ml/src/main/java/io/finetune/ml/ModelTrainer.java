package io.finetune.ml;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Trains a {@link TrainingSpec} on an {@link ImageDataset}. Holds only options, never data; use one instance per
 * thread (each run uses every core through ND4J anyway).
 */
public final class ModelTrainer {
    private final TrainerOptions options;

    public ModelTrainer() {
        this(TrainerOptions.DEFAULT);
    }

    public ModelTrainer(TrainerOptions options) {
        this.options = options;
    }

    /**
     * @param base        the directory of a model package (FINETUNE only, else null)
     * @param checkpoints a local directory; if it holds complete checkpoints, training resumes from the newest and
     *                    ends with the same result as an uninterrupted run. Null disables checkpoints.
     */
    public TrainedModel train(TrainingSpec spec, ImageDataset data, Path base, Path checkpoints,
                              TrainingListener listener) throws TrainingCancelledException, IOException {
        if (!spec.classes().equals(data.classes())) {
            throw new IllegalArgumentException("expected the dataset's classes to equal the spec's " + spec.classes()
                    .size() + " classes, found " + data.classes().size() + ": " + data.classes());
        }
        if (data.train().isEmpty()) {
            throw new IllegalArgumentException("expected training images, found none");
        }
        if ((spec.kind() == io.finetune.contracts.JobKind.FINETUNE) != (base != null)) {
            throw new IllegalArgumentException("expected a base model for FINETUNE only, found kind " + spec.kind()
                    + (base == null ? " without base" : " with base " + base));
        }
        try (TrainingRun run = new TrainingRun(spec, options, listener == null ? TrainingListener.NONE : listener,
                checkpoints)) {
            return run.execute(data, base);
        }
    }
}
