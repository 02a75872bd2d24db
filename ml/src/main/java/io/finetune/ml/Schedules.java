package io.finetune.ml;

import io.finetune.contracts.LearningRateSchedule;

/** The learning rate of an epoch under a {@link LearningRateSchedule}. */
final class Schedules {
    private Schedules() {
    }

    /** The rate of epoch {@code epochInPhase} (0-based) of {@code epochsInPhase}, from the phase's {@code base}. */
    static double rate(LearningRateSchedule schedule, double base, int epochInPhase, int epochsInPhase) {
        return switch (schedule) {
            case CONSTANT -> base;
            case COSINE -> base * 0.5 * (1 + Math.cos(Math.PI * epochInPhase / epochsInPhase));
        };
    }
}
