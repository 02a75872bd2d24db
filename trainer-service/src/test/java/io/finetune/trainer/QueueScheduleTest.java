package io.finetune.trainer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QueueScheduleTest {
    private static Instant t(int seconds) {
        return Instant.EPOCH.plusSeconds(seconds);
    }

    private static QueueSchedule.Job job(int submitted, int from, int to) {
        return new QueueSchedule.Job(t(submitted), List.of(new QueueSchedule.Run(t(from), t(to))), t(to));
    }

    @Test
    void aJobWaitingBehindAnotherWhileATrainerIsIdleCounts() {
        // two trainers; b waits 0..10 behind a, although the second trainer idles
        QueueSchedule s = new QueueSchedule(Map.of("a", job(0, 0, 10), "b", job(0, 10, 20)), List.of(), 2);
        assertEquals(Duration.ofSeconds(10), s.worstIdleWhilePending());
        assertEquals(Duration.ofSeconds(20), s.makespan());
        assertEquals(Duration.ofSeconds(10), s.ideal());
        assertEquals(2.0, s.makespanOverIdeal(), 1e-9);
    }

    @Test
    void aJobWaitingWhileEveryTrainerIsBusyDoesNotCount() {
        QueueSchedule s = new QueueSchedule(Map.of("a", job(0, 0, 10), "b", job(0, 0, 10), "c", job(0, 10, 15)),
                List.of(), 2);
        assertEquals(Duration.ZERO, s.worstIdleWhilePending());
    }

    @Test
    void aDeadTrainerIsNotIdle() {
        // three trainers, one dies at 0: two busy, the third job waits for a live one
        QueueSchedule s = new QueueSchedule(Map.of("a", job(0, 0, 10), "b", job(0, 0, 10), "c", job(0, 10, 15)),
                List.of(t(0)), 3);
        assertEquals(Duration.ZERO, s.worstIdleWhilePending());
    }
}
