package io.finetune.contracts;

import io.swagger.v3.oas.annotations.media.Schema;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

/**
 * Hyper-parameters of a training job. Fields after {@code trainBatchNorm} were added later: commands without them
 * still parse, and get the defaults the trainer chooses for the architecture.
 *
 * @param freezeCutPoint  FINETUNE only: the last base layer copied and frozen (for example {@code conv4});
 *                        null uses the architecture's default cut point
 * @param unfreeze        FINETUNE only, optional: a second phase that unfreezes the top layers
 * @param earlyStoppingPatience stop after this many epochs without validation improvement; null or 0 disables
 * @param trainBatchNorm  FINETUNE only: let batch-norm statistics adapt (default keeps them)
 * @param views           FINETUNE only: views of each training image whose frozen features are cached (the image
 *                        itself, plus {@code views - 1} augmented ones); 0 trains on images, augmented online
 * @param labelSmoothing  share of the target spread over all classes, 0 to 0.5 (exclusive)
 * @param schedule        learning rate over each phase's epochs
 * @param weightDecay     L2 penalty on the weights of freshly initialized layers (the new head of a FINETUNE;
 *                        every layer of BASE and SCRATCH), added to their gradients
 * @param dropout         FINETUNE only: dropout rate on the classifier's input while it trains alone on cached
 *                        features (the head phase)
 */
public record HyperParameters(
        @Schema(requiredMode = REQUIRED, minimum = "1", maximum = "" + ContractValidator.MAX_EPOCHS) int epochs,
        @Schema(requiredMode = REQUIRED, minimum = "1", maximum = "" + ContractValidator.MAX_BATCH) int batchSize,
        @Schema(requiredMode = REQUIRED, minimum = "0", exclusiveMinimum = true, maximum = "1") double learningRate,
        @Schema(requiredMode = REQUIRED, minimum = "" + ContractValidator.MIN_IMAGE_SIZE,
                maximum = "" + ContractValidator.MAX_IMAGE_SIZE) int imageSize,
        @Schema(nullable = true) Augmentation augmentation,
        @Schema(nullable = true, description = "FINETUNE only") String freezeCutPoint,
        @Schema(nullable = true, description = "FINETUNE only") UnfreezePhase unfreeze,
        @Schema(nullable = true, minimum = "0") Integer earlyStoppingPatience,
        @Schema(nullable = true) Boolean trainBatchNorm,
        @Schema(nullable = true, minimum = "0", maximum = "" + ContractValidator.MAX_VIEWS,
                description = "FINETUNE only") Integer views,
        @Schema(nullable = true, minimum = "0", maximum = "0.5", exclusiveMaximum = true) Double labelSmoothing,
        @Schema(nullable = true) LearningRateSchedule schedule,
        @Schema(nullable = true, minimum = "0", maximum = "0.1") Double weightDecay,
        @Schema(nullable = true, minimum = "0", maximum = "1", exclusiveMaximum = true) Double dropout) {
    public HyperParameters(int epochs, int batchSize, double learningRate, int imageSize, Augmentation augmentation,
                           String freezeCutPoint, UnfreezePhase unfreeze, Integer earlyStoppingPatience,
                           Boolean trainBatchNorm) {
        this(epochs, batchSize, learningRate, imageSize, augmentation, freezeCutPoint, unfreeze,
                earlyStoppingPatience, trainBatchNorm, null, null, null, null, null);
    }
}
