package io.finetune.inference;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a served model desires against what it serves, as the report, the gauge and readiness see it. */
class ServedModelTest {
    private static LoadedModel version(CountingClassifier c, String version) {
        return new LoadedModel("m", version, Instant.now(), c, null, null);
    }

    @Test
    void aModelIsInSyncOnlyWhileItServesTheDesiredVersion() {
        ServedModel m = new ServedModel(new ModelSelection("m", "latest"), false, true);
        Instant t0 = Instant.parse("2026-12-02T12:00:00Z");
        assertFalse(m.inSync(), "nothing active yet");
        assertTrue(m.divergedSince(t0) != null, "out of sync from its creation");
        m.sawLatest("2");
        m.activate(version(new CountingClassifier("m", "2"), "2"));
        assertTrue(m.inSync());
        assertNull(m.divergedSince(t0.plusSeconds(5)));

        m.select(new ModelSelection("m", "3"));
        m.failed("3", "expected 3 probabilities, found 4", true);
        assertFalse(m.inSync(), "pinned to a refused version while 2 keeps serving");
        assertEquals("2", m.activeVersion());
        assertEquals(t0.plusSeconds(10), m.divergedSince(t0.plusSeconds(10)));
        assertEquals(t0.plusSeconds(10), m.divergedSince(t0.plusSeconds(20)), "the clock runs from the first sight");
        assertEquals("expected 3 probabilities, found 4", m.refusedVersions().get("3"));
        assertEquals(1.0, m.divergedLongerThan(Duration.ZERO));
        assertEquals(0.0, m.divergedLongerThan(Duration.ofDays(1)), "not yet longer than the tolerance");
    }

    @Test
    void aVersionThatFinishesLoadingAfterTheModelWasStoppedIsClosedNotServed() {
        ServedModel m = new ServedModel(new ModelSelection("m", "latest"), false, false);
        CountingClassifier first = new CountingClassifier("m", "1");
        assertTrue(m.activate(version(first, "1")));
        m.close();
        assertTrue(first.closed.get(), "stopping closes the active version (no request holds it)");
        CountingClassifier late = new CountingClassifier("m", "2");
        assertFalse(m.activate(version(late, "2")));
        assertTrue(late.closed.get(), "a load that finished after the stop is closed at once");
        assertNull(m.acquire());
    }

    @Test
    void onlyModelsThatHoldReadinessKeepTheReplicaUnready() {
        StartupGate gate = new StartupGate(Instant.parse("2026-12-02T12:00:00Z"), Duration.ofSeconds(60));
        ServedModel desiredAtStart = new ServedModel(new ModelSelection("a", "latest"), false, true);
        ServedModel desiredLater = new ServedModel(new ModelSelection("b", "latest"), false, false);
        Instant soon = Instant.parse("2026-12-02T12:00:01Z");
        assertFalse(gate.ready(List.of(desiredAtStart, desiredLater), soon));
        desiredAtStart.activate(new LoadedModel("a", "1", Instant.now(), new CountingClassifier("a", "1"), null,
                null));
        assertTrue(gate.ready(List.of(desiredAtStart, desiredLater), soon));
    }
}
