package io.finetune.ml;

/**
 * How a trainer runs, as opposed to what it learns (the {@link TrainingSpec}).
 *
 * @param schedule     learning rate over the epochs of a phase
 * @param threads      decode and batch-assembly threads
 * @param featureCache train the head on cached frozen features when nothing makes them change (no augmentation,
 *                     frozen batch-norm statistics); off only to compare against the uncached path
 */
public record TrainerOptions(LearningRateSchedule schedule, int threads, boolean featureCache) {
    public static final TrainerOptions DEFAULT = new TrainerOptions(LearningRateSchedule.CONSTANT,
            Math.max(1, Runtime.getRuntime().availableProcessors()), true);

    public TrainerOptions {
        if (schedule == null) {
            throw new IllegalArgumentException("expected a learning-rate schedule, found nothing");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("expected at least 1 thread, found " + threads);
        }
    }

    public TrainerOptions withSchedule(LearningRateSchedule s) {
        return new TrainerOptions(s, threads, featureCache);
    }

    public TrainerOptions withFeatureCache(boolean cache) {
        return new TrainerOptions(schedule, threads, cache);
    }

    public enum LearningRateSchedule {
        CONSTANT,
        /** Cosine decay from the phase's rate to zero over the phase's epochs, per epoch. */
        COSINE;

        public double rate(double base, int epochInPhase, int epochsInPhase) {
            return this == CONSTANT ? base : base * 0.5 * (1 + Math.cos(Math.PI * epochInPhase / epochsInPhase));
        }
    }
}
