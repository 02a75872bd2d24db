package io.finetune.ml;

import io.finetune.contracts.EpochMetrics;

import java.nio.file.Path;

/** Progress of a training run; every method is called on the training thread. */
public interface TrainingListener {
    TrainingListener NONE = new TrainingListener() {
    };

    default void onBatch(int epoch, int batch, int batches, double runningLoss, double runningAccuracy,
                         double imagesPerSecond) {
    }

    default void onEpoch(EpochMetrics metrics) {
    }

    /** Frozen outputs cached for {@code done} of {@code total} images (views included), before training starts. */
    default void onCaching(int done, int total) {
    }

    /** Called after the epoch's checkpoint directory is complete. */
    default void onCheckpoint(int epoch, Path checkpointDir) {
    }

    /** Checked at every batch boundary. */
    default boolean cancelRequested() {
        return false;
    }
}
