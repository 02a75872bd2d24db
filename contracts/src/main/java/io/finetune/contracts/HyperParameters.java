package io.finetune.contracts;

/**
 * Hyper-parameters of a training job.
 *
 * @param freezeCutPoint  FINETUNE only: the last base layer copied and frozen (for example {@code conv4});
 *                        null uses the architecture's default cut point
 * @param unfreeze        FINETUNE only, optional: a second phase that unfreezes the top layers
 * @param earlyStoppingPatience stop after this many epochs without validation improvement; null or 0 disables
 * @param trainBatchNorm  FINETUNE only: let batch-norm statistics in the frozen part adapt (default keeps them)
 */
public record HyperParameters(int epochs, int batchSize, double learningRate, int imageSize,
                              Augmentation augmentation, String freezeCutPoint, UnfreezePhase unfreeze,
                              Integer earlyStoppingPatience, Boolean trainBatchNorm) {
}
