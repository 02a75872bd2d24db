package io.finetune.inference;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartupGateTest {
    private final Instant start = Instant.parse("2026-01-01T00:00:00Z");
    private final StartupGate gate = new StartupGate(start, Duration.ofSeconds(60));

    private static ServedModel active(String name, boolean configured) {
        ServedModel m = new ServedModel(new ModelSelection(name, "latest"), configured);
        m.activate(new LoadedModel(name, "1", Instant.now(), new CountingClassifier(name, "1"), null, null));
        return m;
    }

    @Test
    void notReadyWhileAConfiguredModelIsUnpublishedUntilTheWaitIsOver() {
        ServedModel ghost = new ServedModel(new ModelSelection("ghost", "latest"), true);
        ghost.notPublished();
        List<ServedModel> models = List.of(active("a", true), ghost);
        assertFalse(gate.ready(models, start.plusSeconds(59)));
        assertTrue(gate.ready(models, start.plusSeconds(60)), "the wait is over: the unpublished model stops blocking");
    }

    @Test
    void readyAsSoonAsEveryConfiguredModelIsActive() {
        ServedModel failed = new ServedModel(new ModelSelection("followed", "latest"), false);
        failed.failed("3", "refused", true);
        assertTrue(gate.ready(List.of(active("a", true), active("b", true), failed), start.plusSeconds(1)),
                "models only followed after an event do not hold readiness");
        assertTrue(gate.ready(List.of(), start), "nothing configured: ready at once");
    }

    @Test
    void aDesiredModelWhoseOnlyVersionWasRefusedStopsHoldingReadinessButAStorageFailureDoesNot() {
        ServedModel refused = new ServedModel(new ModelSelection("broken", "latest"), false, true);
        refused.failed("1", "expected 3 classes, found 4", true);
        assertTrue(gate.ready(List.of(active("a", true), refused), start.plusSeconds(1)),
                "a refused version is final: the replica does not wait for it");

        ServedModel unreachable = new ServedModel(new ModelSelection("later", "latest"), false, true);
        unreachable.failed("1", "storage unreachable", false);
        assertFalse(gate.ready(List.of(active("a", true), unreachable), start.plusSeconds(1)),
                "a load that may succeed when retried still holds readiness");

        ServedModel configured = new ServedModel(new ModelSelection("pinned", "latest"), true);
        configured.failed("1", "expected 3 classes, found 4", true);
        assertFalse(gate.ready(List.of(configured), start.plusSeconds(1)),
                "a model named in the configuration holds readiness until the wait is over");
    }
}
