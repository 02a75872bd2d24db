package io.finetune.ml;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.LearningRateSchedule;
import io.finetune.ml.net.Architecture;

/**
 * What a command leaves out, chosen per kind of network. The reference networks keep the reference settings (no
 * cached views, no label smoothing, a constant rate). Fine-tuning a pretrained backbone uses the recipe measured in
 * {@code ml/README.md} ("Fine-tuning a pretrained backbone"): random resized crops of at least a quarter of the image
 * with horizontal flips, {@link #BACKBONE_VIEWS} cached views per training image, label smoothing 0.1, a cosine
 * schedule, an L2 penalty of 1e-3 and dropout 0.2 on the classifier's cached input (EfficientNet's own rate).
 */
public record FineTuneDefaults(Augmentation augmentation, int views, double labelSmoothing, LearningRateSchedule schedule,
                               double weightDecay, double dropout) {
    public static final int BACKBONE_VIEWS = 8;
    public static final Augmentation BACKBONE_AUGMENTATION = new Augmentation(true, 0, 0.25, 0, 0);
    private static final FineTuneDefaults REFERENCE = new FineTuneDefaults(Augmentation.NONE, 0, 0,
            LearningRateSchedule.CONSTANT, 0, 0);
    private static final FineTuneDefaults BACKBONE = new FineTuneDefaults(BACKBONE_AUGMENTATION, BACKBONE_VIEWS, 0.1,
            LearningRateSchedule.COSINE, 1e-3, 0.2);

    public static FineTuneDefaults of(JobKind kind, Architecture architecture) {
        return kind == JobKind.FINETUNE && architecture.input().nativeImageSize() > 0 ? BACKBONE : REFERENCE;
    }
}
