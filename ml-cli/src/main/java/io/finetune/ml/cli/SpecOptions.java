package io.finetune.ml.cli;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.LearningRateSchedule;
import io.finetune.contracts.UnfreezePhase;
import io.finetune.ml.FineTuneDefaults;
import io.finetune.ml.TrainerOptions;
import io.finetune.ml.TrainingSpec;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by the training commands. */
final class SpecOptions {
    @Mixin
    RunOptions run = new RunOptions();

    @Option(names = "--data", required = true, description = "dataset directory (class folders, split folders "
            + "or labels.csv)")
    Path data;

    @Option(names = "--out", required = true, description = "model package directory to write")
    Path out;

    @Option(names = "--image-size", description = "square input size (default: a backbone's own, else 180)")
    Integer imageSize;

    @Option(names = "--epochs", defaultValue = "10")
    int epochs;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--augment", description = "none, standard (flip, 10 degrees, crop 0.8, brightness and "
            + "contrast 0.1) or crops (flip, random crops of a quarter of the image and more); default: crops when "
            + "fine-tuning a pretrained backbone, else none")
    String augment;

    @Option(names = "--views", description = "fine-tuning: cached views per training image, the image and views-1 "
            + "augmented copies (default: " + FineTuneDefaults.BACKBONE_VIEWS + " for a pretrained backbone, else 0: "
            + "train on images)")
    Integer views;

    @Option(names = "--label-smoothing", description = "share of each target spread over all classes (default: 0.1 "
            + "when fine-tuning a pretrained backbone, else 0)")
    Double labelSmoothing;

    @Option(names = "--patience", description = "early stopping: epochs without validation improvement")
    Integer patience;

    @Option(names = "--weight-decay", description = "L2 penalty on the weights of new layers (default: 1e-3 when fine-tuning a "
            + "pretrained backbone, else 0)")
    Double weightDecay;

    @Option(names = "--dropout", description = "fine-tuning: dropout on the classifier's cached input in the head "
            + "phase (default: 0.2 for a pretrained backbone, else 0)")
    Double dropout;

    @Option(names = "--schedule", description = "CONSTANT or COSINE (default: COSINE when fine-tuning a pretrained "
            + "backbone, else CONSTANT)")
    LearningRateSchedule schedule;

    @Option(names = "--no-feature-cache", description = "fine-tuning: run every batch through the frozen layers "
            + "instead of training the head on their cached outputs (to compare epoch times)")
    boolean noFeatureCache;

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
        return augmentation(augment);
    }

    static Augmentation augmentation(String name) {
        return switch (name.toLowerCase()) {
            case "none" -> Augmentation.NONE;
            case "standard" -> Augmentation.STANDARD;
            case "crops" -> FineTuneDefaults.BACKBONE_AUGMENTATION;
            default -> throw new IllegalArgumentException("expected --augment none, standard or crops, found "
                    + name);
        };
    }

    /** The input size: given, or the architecture's native one (backbones), or 180. */
    int imageSize() {
        if (imageSize != null) {
            return imageSize;
        }
        int nativeSize = Architectures.byName(run.architecture).input().nativeImageSize();
        return nativeSize > 0 ? nativeSize : 180;
    }

    /** A spec from these options, what they leave out chosen as a command's would be ({@link FineTuneDefaults}). */
    TrainingSpec spec(JobKind kind, java.util.List<String> classes, String cut, UnfreezePhase unfreeze,
                      boolean trainBatchNorm) {
        Architecture arch = Architectures.byName(run.architecture);
        FineTuneDefaults d = FineTuneDefaults.of(kind, arch);
        return new TrainingSpec(kind, run.architecture, classes, imageSize(), epochs, run.batchSize, learningRate,
                augment != null ? augmentation() : d.augmentation(), cut, unfreeze, patience, trainBatchNorm, run.seed,
                views != null ? views : d.views(), labelSmoothing != null ? labelSmoothing : d.labelSmoothing(),
                schedule != null ? schedule : d.schedule(), weightDecay != null ? weightDecay : d.weightDecay(),
                dropout != null ? dropout : d.dropout());
    }

    Path checkpointDir() {
        return checkpoints != null ? checkpoints : out.resolveSibling(out.getFileName() + ".ckpt");
    }

    TrainerOptions trainerOptions() {
        return TrainerOptions.DEFAULT.withFeatureCache(!noFeatureCache);
    }
}
