package io.finetune.gateway;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.TrainingEvent;
import io.finetune.contracts.TrainingEventType;
import io.finetune.gateway.jobs.JobStage;
import io.finetune.gateway.jobs.JobView;
import io.finetune.gateway.jobs.JobViewStore;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobViewStoreTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static TrainingCommand command(String jobId) {
        return new TrainingCommand(1, jobId, JobKind.SCRATCH, "flowers-s", new DatasetRef("flowers", "1"), null,
                "res-cnn", new HyperParameters(3, 8, 0.01, 32, null, null, null, null, null), 1L);
    }

    private static TrainingEvent epoch(String jobId, int epoch, double acc) {
        return TrainingFixtures.event(jobId, TrainingEventType.EPOCH_COMPLETED, JobKind.SCRATCH, epoch, acc);
    }

    @Test
    void commandThenEventsGiveStateAndEpochHistory() {
        JobViewStore store = new JobViewStore();
        store.apply(command("j1"), T0);
        assertEquals(JobStage.SUBMITTED, store.get("j1").orElseThrow().status());
        store.apply(epoch("j1", 1, 0.4), T0.plusSeconds(5));
        store.apply(epoch("j1", 2, 0.6), T0.plusSeconds(9));
        JobView v = store.get("j1").orElseThrow();
        assertEquals(JobStage.RUNNING, v.status());
        assertEquals(List.of(0.4, 0.6), v.epochs().stream().map(e -> e.validationAccuracy()).toList());
        assertEquals("res-cnn", v.architecture());
        assertEquals(T0, v.submittedAt());
        assertEquals(T0.plusSeconds(9), v.updatedAt());
    }

    @Test
    void redeliveredMessagesChangeNothingAndResumedEpochsReplace() {
        JobViewStore store = new JobViewStore();
        store.apply(command("j2"), T0);
        store.apply(epoch("j2", 1, 0.4), T0.plusSeconds(1));
        JobView once = store.get("j2").orElseThrow();
        store.apply(epoch("j2", 1, 0.4), T0.plusSeconds(1));
        store.apply(command("j2"), T0);
        assertEquals(once, store.get("j2").orElseThrow());
        store.apply(epoch("j2", 1, 0.45), T0.plusSeconds(1));
        assertEquals(1, store.get("j2").orElseThrow().epochs().size());
        assertEquals(0.45, store.get("j2").orElseThrow().epochs().get(0).validationAccuracy());
    }

    @Test
    void finalStateIsNotLeftForALateNonFinalEvent() {
        JobViewStore store = new JobViewStore();
        store.apply(TrainingFixtures.event("j3", TrainingEventType.FAILED, JobKind.SCRATCH, 0, 0), T0);
        store.apply(TrainingFixtures.event("j3", TrainingEventType.STARTED, JobKind.SCRATCH, 0, 0), T0);
        JobView v = store.get("j3").orElseThrow();
        assertEquals(JobStage.FAILED, v.status());
        assertEquals("out of memory", v.reason());
    }

    @Test
    void commandsAndEventsInEitherOrderGiveTheSameView() {
        JobViewStore a = new JobViewStore();
        a.apply(command("j4"), T0);
        a.apply(epoch("j4", 1, 0.5), T0.plusSeconds(3));
        a.apply(new TrainingCommand(1, "j4", JobKind.CANCEL, null, null, null, null, null, null), T0.plusSeconds(4));
        JobViewStore b = new JobViewStore();
        b.apply(epoch("j4", 1, 0.5), T0.plusSeconds(3));
        b.apply(new TrainingCommand(1, "j4", JobKind.CANCEL, null, null, null, null, null, null), T0.plusSeconds(4));
        b.apply(command("j4"), T0);
        assertEquals(a.get("j4"), b.get("j4"));
        assertTrue(a.get("j4").orElseThrow().cancelRequested());
    }

    @Test
    void listIsNewestFirstAndLimited() {
        JobViewStore store = new JobViewStore();
        store.apply(command("old"), T0);
        store.apply(command("new"), T0.plusSeconds(60));
        assertEquals(List.of("new", "old"), store.list(10).stream().map(JobView::jobId).toList());
        assertEquals(1, store.list(1).size());
    }

    @Test
    void beyondItsBoundTheFinishedJobsUpdatedLongestAgoAreDroppedAndStayDropped() {
        JobViewStore store = new JobViewStore(2);
        store.apply(command("running"), T0);
        store.apply(epoch("running", 1, 0.3), T0.plusSeconds(1));
        for (int i = 1; i <= 3; i++) {
            store.apply(command("done-" + i), T0.plusSeconds(10L * i));
            store.apply(TrainingFixtures.event("done-" + i, TrainingEventType.FAILED, JobKind.SCRATCH, 0, 0),
                    T0.plusSeconds(10L * i + 1));
        }
        assertEquals(2, store.size());
        assertTrue(store.get("running").isPresent(), "a running job is never dropped");
        assertTrue(store.get("done-3").isPresent(), "the newest finished job stays");
        assertTrue(store.get("done-1").isEmpty() && store.get("done-2").isEmpty());
        assertTrue(store.wasEvicted("done-1") && store.wasEvicted("done-2") && !store.wasEvicted("done-3"));
        store.apply(epoch("done-1", 1, 0.5), T0.plusSeconds(99)); // redelivered: must not bring back half a job
        assertTrue(store.get("done-1").isEmpty());
        assertEquals(2, store.size());
    }
}
