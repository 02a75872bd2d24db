package io.finetune.ml.cli;

import io.finetune.contracts.Augmentation;
import io.finetune.ml.TrainerOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by the training commands. */
final class SpecOptions {
    @Option(names = "--data", required = true, description = "dataset directory (class folders, split folders "
            + "or labels.csv)")
    Path data;

    @Option(names = "--out", required = true, description = "model package directory to write")
    Path out;

    @Option(names = "--arch", defaultValue = "seed-cnn", description = "architecture: seed-cnn, res-cnn "
            + "(default ${DEFAULT-VALUE})")
    String architecture;

    @Option(names = "--image-size", defaultValue = "180", description = "square input size (default "
            + "${DEFAULT-VALUE})")
    int imageSize;

    @Option(names = "--epochs", defaultValue = "10")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "32")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--augment", defaultValue = "none", description = "none or standard (flip, 10 degrees, crop "
            + "0.8, brightness and contrast 0.1)")
    String augment;

    @Option(names = "--patience", description = "early stopping: epochs without validation improvement")
    Integer patience;

    @Option(names = "--schedule", defaultValue = "CONSTANT", description = "CONSTANT or COSINE")
    TrainerOptions.LearningRateSchedule schedule;

    @Option(names = "--no-feature-cache", description = "fine-tuning: run every batch through the frozen layers "
            + "instead of training the head on their cached outputs (to compare epoch times)")
    boolean noFeatureCache;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(names = "--val-fraction", defaultValue = "0.15", description = "validation share when the data has "
            + "no split")
    double validationFraction;

    @Option(names = "--test-fraction", defaultValue = "0.15", description = "test share when the data has no split")
    double testFraction;

    @Option(names = "--checkpoints", description = "checkpoint directory (resumes from it); default <out>.ckpt")
    Path checkpoints;

    @Option(names = "--name", defaultValue = "model")
    String name;

    @Option(names = "--model-version", defaultValue = "1")
    String version;

    Augmentation augmentation() {
        return switch (augment.toLowerCase()) {
            case "none" -> Augmentation.NONE;
            case "standard" -> Augmentation.STANDARD;
            default -> throw new IllegalArgumentException("expected --augment none or standard, found " + augment);
        };
    }

    Path checkpointDir() {
        return checkpoints != null ? checkpoints : out.resolveSibling(out.getFileName() + ".ckpt");
    }

    TrainerOptions trainerOptions() {
        return TrainerOptions.DEFAULT.withSchedule(schedule).withFeatureCache(!noFeatureCache);
    }
}
