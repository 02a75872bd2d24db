package io.finetune.ml;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.LearningRateSchedule;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.UnfreezePhase;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;

import java.util.List;
import java.util.Objects;

/**
 * A validated training job: everything the trainer needs besides data. Build it with {@link #from} or the
 * canonical constructor; both check it.
 *
 * @param freezeCutPoint FINETUNE: the last base layer copied and frozen (resolved to the architecture default)
 * @param unfreeze       FINETUNE, optional second phase
 * @param earlyStoppingPatience null or 0 disables early stopping
 * @param views          FINETUNE: cached views per training image (the image, then {@code views - 1} augmented
 *                       ones) whose frozen features the trainable layers learn from; 0 trains on images (augmented
 *                       online when there is an augmentation)
 * @param labelSmoothing share of each target spread evenly over all classes
 * @param schedule       learning rate over each phase's epochs
 * @param weightDecay    L2 penalty added to the gradients of the weights of freshly initialized layers (not the
 *                       copied ones, not batch-norm gamma and beta)
 * @param dropout        FINETUNE: dropout on the classifier's input while it trains alone on cached features
 */
public record TrainingSpec(JobKind kind, String architecture, List<String> classes, int imageSize, int epochs,
                           int batchSize, double learningRate, Augmentation augmentation, String freezeCutPoint,
                           UnfreezePhase unfreeze, Integer earlyStoppingPatience, boolean trainBatchNorm,
                           long seed, int views, double labelSmoothing, LearningRateSchedule schedule,
                           double weightDecay, double dropout) {
    /** The reference settings: no cached views, no label smoothing, a constant rate. */
    public TrainingSpec(JobKind kind, String architecture, List<String> classes, int imageSize, int epochs,
                        int batchSize, double learningRate, Augmentation augmentation, String freezeCutPoint,
                        UnfreezePhase unfreeze, Integer earlyStoppingPatience, boolean trainBatchNorm, long seed) {
        this(kind, architecture, classes, imageSize, epochs, batchSize, learningRate, augmentation, freezeCutPoint,
                unfreeze, earlyStoppingPatience, trainBatchNorm, seed, 0, 0, LearningRateSchedule.CONSTANT, 0, 0);
    }

    public TrainingSpec {
        Objects.requireNonNull(kind, "kind");
        if (kind == JobKind.CANCEL) {
            throw new IllegalArgumentException("expected kind BASE, FINETUNE or SCRATCH, found CANCEL");
        }
        Architecture arch = Architectures.byName(architecture);
        if (classes == null || classes.size() < 2) {
            throw new IllegalArgumentException("expected at least 2 classes, found "
                    + (classes == null ? "none" : classes.size()));
        }
        classes = List.copyOf(classes);
        if (imageSize < arch.minImageSize() || imageSize > 1024) {
            throw new IllegalArgumentException("expected imageSize " + arch.minImageSize() + " to 1024 for "
                    + architecture + ", found " + imageSize);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("expected epochs >= 1, found " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("expected batchSize >= 1, found " + batchSize);
        }
        if (!(learningRate > 0 && learningRate <= 1)) {
            throw new IllegalArgumentException("expected learningRate in (0, 1], found " + learningRate);
        }
        augmentation = augmentation == null ? Augmentation.NONE : augmentation;
        if (kind == JobKind.FINETUNE) {
            freezeCutPoint = freezeCutPoint == null ? arch.defaultCutPoint() : freezeCutPoint;
            arch.checkCutPoint(freezeCutPoint);
            if (unfreeze != null) {
                int frozen = arch.featureLayersUpTo(freezeCutPoint).size();
                if (unfreeze.layers() < 1 || unfreeze.layers() > frozen) {
                    throw new IllegalArgumentException("expected unfreeze.layers 1 to " + frozen + " (frozen layers "
                            + "up to " + freezeCutPoint + "), found " + unfreeze.layers());
                }
                if (unfreeze.epochs() < 1 || !(unfreeze.learningRate() > 0 && unfreeze.learningRate() <= 1)) {
                    throw new IllegalArgumentException("expected unfreeze.epochs >= 1 and learningRate in (0, 1], "
                            + "found " + unfreeze);
                }
            }
        } else if (freezeCutPoint != null || unfreeze != null || trainBatchNorm) {
            throw new IllegalArgumentException("expected no freezeCutPoint, unfreeze or trainBatchNorm for " + kind
                    + " (freezing applies to FINETUNE only), found " + (freezeCutPoint != null ? "freezeCutPoint "
                    + freezeCutPoint : unfreeze != null ? "unfreeze" : "trainBatchNorm"));
        }
        if (earlyStoppingPatience != null && earlyStoppingPatience < 0) {
            throw new IllegalArgumentException("expected earlyStoppingPatience >= 0, found " + earlyStoppingPatience);
        }
        if (views < 0 || views > io.finetune.contracts.ContractValidator.MAX_VIEWS) {
            throw new IllegalArgumentException("expected views 0 to " + io.finetune.contracts.ContractValidator.MAX_VIEWS
                    + ", found " + views);
        }
        if (views > 0 && kind != JobKind.FINETUNE) {
            throw new IllegalArgumentException("expected no cached views for " + kind + " (they cache the frozen "
                    + "layers of a FINETUNE), found views " + views);
        }
        if (views > 1 && !augments(augmentation)) {
            throw new IllegalArgumentException("expected an augmentation for views " + views + " (views after the "
                    + "first are augmented copies), found none");
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("expected labelSmoothing in [0, 0.5), found " + labelSmoothing);
        }
        schedule = schedule == null ? LearningRateSchedule.CONSTANT : schedule;
        if (!(weightDecay >= 0 && weightDecay <= 0.1)) {
            throw new IllegalArgumentException("expected weightDecay in [0, 0.1], found " + weightDecay);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("expected dropout in [0, 1), found " + dropout);
        }
    }

    /** Validates a command (not CANCEL) for a dataset with these classes; a missing seed derives from the job id. */
    public static TrainingSpec from(TrainingCommand command, List<String> classes) {
        Objects.requireNonNull(command, "command");
        HyperParameters h = command.hyperParameters();
        if (h == null) {
            throw new IllegalArgumentException("expected hyperParameters in command " + command.jobId()
                    + ", found nothing");
        }
        long seed = command.seed() != null ? command.seed()
                : command.jobId() == null ? 0 : command.jobId().hashCode();
        FineTuneDefaults d = FineTuneDefaults.of(command.kind(), Architectures.byName(command.architecture()));
        return new TrainingSpec(command.kind(), command.architecture(), classes, h.imageSize(), h.epochs(),
                h.batchSize(), h.learningRate(), h.augmentation() != null ? h.augmentation() : d.augmentation(),
                h.freezeCutPoint(), h.unfreeze(), h.earlyStoppingPatience(), Boolean.TRUE.equals(h.trainBatchNorm()),
                seed, h.views() != null ? h.views() : d.views(),
                h.labelSmoothing() != null ? h.labelSmoothing() : d.labelSmoothing(),
                h.schedule() != null ? h.schedule() : d.schedule(),
                h.weightDecay() != null ? h.weightDecay() : d.weightDecay(),
                h.dropout() != null ? h.dropout() : d.dropout());
    }

    /** The hyper-parameters as recorded in a manifest. */
    public HyperParameters hyperParameters() {
        return new HyperParameters(epochs, batchSize, learningRate, imageSize, augmentation, freezeCutPoint,
                unfreeze, earlyStoppingPatience, trainBatchNorm, views, labelSmoothing, schedule, weightDecay,
                dropout);
    }

    /** Epochs over all phases. */
    public int totalEpochs() {
        return epochs + (unfreeze == null ? 0 : unfreeze.epochs());
    }

    public boolean augments() {
        return augments(augmentation);
    }

    private static boolean augments(Augmentation a) {
        return a != null && !Augmentation.NONE.equals(a) && (a.flip() || a.maxRotationDegrees() > 0
                || a.minCropScale() < 1 || a.brightness() > 0 || a.contrast() > 0);
    }

    public TrainingSpec withEpochs(int newEpochs) {
        return new TrainingSpec(kind, architecture, classes, imageSize, newEpochs, batchSize, learningRate,
                augmentation, freezeCutPoint, unfreeze, earlyStoppingPatience, trainBatchNorm, seed, views,
                labelSmoothing, schedule, weightDecay, dropout);
    }
}
