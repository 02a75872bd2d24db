package io.finetune.inference;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.ServingState;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The serving state in storage: the desired state of each model ({@code serving/models/{name}.json}, one document
 * written in one PUT) and what each replica reports it serves ({@code serving/replicas/{id}.json}).
 */
@Singleton
class ServingStates {
    private static final Logger LOG = LoggerFactory.getLogger(ServingStates.class);

    private final ObjectStore store;

    ServingStates(ObjectStore store) {
        this.store = store;
    }

    /** Every valid desired state by model name; an invalid document is logged and left out (it changes nothing). */
    Map<String, ServingState> desired() {
        Map<String, ServingState> states = new TreeMap<>();
        for (String key : store.list(ObjectLayout.SERVING_MODELS)) {
            String name = ObjectLayout.servingStateModel(key);
            if (name == null) {
                continue;
            }
            read(key, name).ifPresent(s -> states.put(name, s));
        }
        return states;
    }

    Optional<ServingState> desired(String name) {
        return read(ObjectLayout.servingState(name), name);
    }

    private Optional<ServingState> read(String key, String name) {
        Optional<byte[]> bytes = store.get(key);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            ServingState state = ContractCodec.decode(bytes.get(), ServingState.class);
            if (!name.equals(state.modelName())) {
                LOG.warn("ignoring {}: expected modelName {}, found {}", key, name, state.modelName());
                return Optional.empty();
            }
            return Optional.of(state);
        } catch (RuntimeException e) {
            LOG.warn("ignoring the invalid serving state {}: {}", key, e.getMessage());
            return Optional.empty();
        }
    }

    /** Replaces the desired state of a model (one PUT: readers see the old or the new document, never half). */
    void write(ServingState state) {
        store.putJson(ObjectLayout.servingState(state.modelName()), state);
    }

    /** Writes {@code state} only if the model has no desired state yet; false when it had one. */
    boolean writeIfAbsent(ServingState state) {
        return store.createJsonIfAbsent(ObjectLayout.servingState(state.modelName()), state);
    }

    void report(ReplicaReport report) {
        store.putJson(ObjectLayout.servingReplica(report.replica()), report);
    }

    void removeReport(String replicaId) {
        store.delete(ObjectLayout.servingReplica(replicaId));
    }

    /** Every replica's last report (stale ones included: the caller decides by {@code reportedAt}). */
    List<ReplicaReport> reports() {
        List<ReplicaReport> reports = new ArrayList<>();
        for (String key : store.list(ObjectLayout.SERVING_REPLICAS)) {
            store.get(key).ifPresent(bytes -> {
                try {
                    reports.add(ContractCodec.read(bytes, ReplicaReport.class));
                } catch (RuntimeException e) {
                    LOG.warn("ignoring the unreadable replica report {}: {}", key, e.getMessage());
                }
            });
        }
        return reports;
    }
}
