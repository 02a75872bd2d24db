package io.finetune.inference;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.ServingState;
import io.finetune.service.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;

/**
 * {@code PUT /models/{name}/serving} and {@code DELETE /models/{name}/serving}: write the desired serving state of a
 * model to storage, then announce it, so that every replica reconciles to it (this one at once). The answer is the
 * document written; loading goes on in the background ({@code GET /models/{name}} shows it per replica).
 */
@Controller("/models/{name}/serving")
@ExecuteOn(TaskExecutors.BLOCKING)
class ServingController {
    private static final Logger LOG = LoggerFactory.getLogger(ServingController.class);

    private final ModelRegistry registry;
    private final ModelStore store;
    private final ServingStates states;
    private final ServingChanges changes;

    ServingController(ModelRegistry registry, ModelStore store, ServingStates states, ServingChanges changes) {
        this.registry = registry;
        this.store = store;
        this.states = states;
        this.changes = changes;
    }

    @Put
    ServingState serve(@PathVariable String name, @Body @Nullable ServingRequest request) {
        requireChangeable(name);
        String version = request == null || request.version() == null ? ServingState.LATEST : request.version();
        if (!ServingState.LATEST.equals(version) && !ModelVersions.isVersion(version)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "version: expected 'latest' or a positive integer, found '"
                    + version + "'");
        }
        List<String> versions = store.completeVersions(name);
        if (versions.isEmpty()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "expected a model in the registry, found no version of '"
                    + name + "'");
        }
        if (!ServingState.LATEST.equals(version) && !versions.contains(version)) {
            throw new ApiException(HttpStatus.NOT_FOUND, "expected a version of model " + name + " (one of "
                    + versions + "), found '" + version + "'");
        }
        return writeAndAnnounce(new ServingState(ServingState.SCHEMA_VERSION, name, true, version,
                ServingState.SOURCE_API, Instant.now()));
    }

    @Delete
    ServingState stop(@PathVariable String name) {
        requireChangeable(name);
        if (store.completeVersions(name).isEmpty() && states.desired(name).isEmpty()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "expected a model in the registry or in the serving "
                    + "state, found neither for '" + name + "'");
        }
        return writeAndAnnounce(new ServingState(ServingState.SCHEMA_VERSION, name, false, ServingState.LATEST,
                ServingState.SOURCE_API, Instant.now()));
    }

    private void requireChangeable(String name) {
        if (name == null || !ObjectLayout.NAME.matcher(name).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "model: expected a name matching "
                    + ObjectLayout.NAME.pattern() + ", found '" + name + "'");
        }
        if (registry.configured(name)) {
            throw new ApiException(HttpStatus.CONFLICT, "expected a model not pinned by configuration, found '"
                    + name + "' in finetune.inference.models of this replica: change the configuration instead");
        }
    }

    /** Storage first (the state is what counts), then the event; a lost event is caught by the pointer check. */
    private ServingState writeAndAnnounce(ServingState state) {
        states.write(state);
        try {
            changes.announce(state.modelName(), ContractCodec.encode(state));
        } catch (RuntimeException e) {
            LOG.warn("wrote the serving state of {} but cannot announce it (replicas find it at their next pointer "
                    + "check): {}", state.modelName(), e.getMessage());
        }
        registry.reconcile();
        return state;
    }
}
