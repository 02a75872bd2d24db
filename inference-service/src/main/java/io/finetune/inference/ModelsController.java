package io.finetune.inference;

import io.finetune.contracts.ServingState;
import io.finetune.service.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code GET /models} and {@code GET /models/{name}}: per model the desired state, this replica's active version,
 * when it was loaded, its manifest summary, and every replica's reported state (from storage; when storage cannot
 * be read, this replica's view alone).
 */
@Controller("/models")
@ExecuteOn(TaskExecutors.BLOCKING)
class ModelsController {
    private static final Logger LOG = LoggerFactory.getLogger(ModelsController.class);

    private final ModelRegistry registry;
    private final ServingStates states;
    private final ReplicaReporter reporter;
    private final Duration staleAfter;

    ModelsController(ModelRegistry registry, ServingStates states, ReplicaReporter reporter,
                     InferenceConfiguration config) {
        this.registry = registry;
        this.states = states;
        this.reporter = reporter;
        this.staleAfter = config.pointerCheckInterval().multipliedBy(3).plusSeconds(10);
    }

    @Get
    List<ModelStatus> list() {
        View view = view();
        Map<String, ModelStatus> out = new TreeMap<>();
        for (ServedModel m : registry.models()) {
            out.put(m.name(), ModelStatus.of(m, view.desiredBy(m.name()), view.replicas(m.name())));
        }
        view.desired.values().stream().filter(ServingState::serve).filter(s -> !out.containsKey(s.modelName()))
                .forEach(s -> out.put(s.modelName(), ModelStatus.notHere(s.modelName(), s.version(), s.source(),
                        view.replicas(s.modelName()))));
        return List.copyOf(out.values());
    }

    @Get("/{name}")
    ModelStatus get(@PathVariable String name) {
        return list().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() -> new ApiException(
                HttpStatus.NOT_FOUND, "expected a served model, found '" + name + "'"));
    }

    private View view() {
        Map<String, ServingState> desired = Map.of();
        List<ReplicaReport> reports = new ArrayList<>();
        try {
            desired = states.desired();
            reports.addAll(states.reports());
        } catch (RuntimeException e) {
            LOG.warn("showing this replica only: cannot read the serving state: {}", e.getMessage());
        }
        ReplicaReport mine = reporter.report(Instant.now());
        reports.removeIf(r -> r.replica().equals(mine.replica()));
        reports.add(0, mine);
        return new View(desired, reports, Instant.now().minus(staleAfter));
    }

    private record View(Map<String, ServingState> desired, List<ReplicaReport> reports, Instant staleBefore) {
        String desiredBy(String name) {
            return Optional.ofNullable(desired.get(name)).map(ServingState::source).orElse(null);
        }

        List<ModelStatus.ReplicaState> replicas(String name) {
            List<ModelStatus.ReplicaState> out = new ArrayList<>();
            for (ReplicaReport r : reports) {
                for (ReplicaReport.ModelReport m : r.models()) {
                    if (m.model().equals(name)) {
                        out.add(ModelStatus.ReplicaState.of(r, m, r.reportedAt().isBefore(staleBefore)));
                    }
                }
            }
            return out;
        }
    }
}
