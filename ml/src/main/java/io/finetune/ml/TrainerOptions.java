package io.finetune.ml;

/**
 * How a trainer runs, as opposed to what it learns (the {@link TrainingSpec}).
 *
 * @param threads      decode and batch-assembly threads
 * @param featureCache train the trainable layers on cached outputs of the frozen ones when nothing makes those
 *                     change (no online augmentation, frozen batch-norm statistics); off only to compare against the
 *                     uncached path
 */
public record TrainerOptions(int threads, boolean featureCache) {
    public static final TrainerOptions DEFAULT = new TrainerOptions(
            Math.max(1, Runtime.getRuntime().availableProcessors()), true);

    public TrainerOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("expected at least 1 thread, found " + threads);
        }
    }

    public TrainerOptions withFeatureCache(boolean cache) {
        return new TrainerOptions(threads, cache);
    }
}
