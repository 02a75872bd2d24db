package io.finetune.inference;

import io.finetune.contracts.ModelManifest;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The model registry as storage holds it: every model, every complete version with its manifest in short, and which
 * versions this replica has loaded. A complete version never changes (its manifest is written last, once), so
 * manifests are read once and kept; the listing and the {@code latest} pointers are read on every call.
 */
@Singleton
class ModelCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    private final ModelStore store;
    private final ModelRegistry registry;
    private final OnDemandVersions onDemand;
    private final Map<String, RegistryModel.Version> manifests = new ConcurrentHashMap<>();

    ModelCatalog(ModelStore store, ModelRegistry registry, OnDemandVersions onDemand) {
        this.store = store;
        this.registry = registry;
        this.onDemand = onDemand;
    }

    /** Every model with at least one complete version, by name. */
    List<RegistryModel> models() {
        List<RegistryModel> models = new ArrayList<>();
        store.completeVersions().forEach((name, versions) -> models.add(model(name, versions)));
        return models;
    }

    /** One model, or empty when storage has no complete version of it. */
    Optional<RegistryModel> model(String name) {
        List<String> versions = store.completeVersions(name);
        return versions.isEmpty() ? Optional.empty() : Optional.of(model(name, versions));
    }

    /** The names of every model in the registry, for messages that say what exists. */
    List<String> names() {
        return List.copyOf(store.completeVersions().keySet());
    }

    private RegistryModel model(String name, List<String> versions) {
        String active = registry.model(name).map(ServedModel::activeVersion).orElse(null);
        List<RegistryModel.Version> listed = new ArrayList<>();
        for (String version : versions) {
            summary(name, version).ifPresent(v -> listed.add(v.serving(version.equals(active)
                    ? RegistryModel.Serving.ACTIVE
                    : onDemand.isLoaded(name, version) ? RegistryModel.Serving.ON_DEMAND : null)));
        }
        return new RegistryModel(name, latest(name), listed);
    }

    private Optional<RegistryModel.Version> summary(String name, String version) {
        String key = name + ":" + version;
        RegistryModel.Version known = manifests.get(key);
        if (known != null) {
            return Optional.of(known);
        }
        try {
            Optional<ModelManifest> manifest = store.manifest(name, version);
            manifest.map(RegistryModel.Version::of).ifPresent(v -> manifests.put(key, v));
            return Optional.ofNullable(manifests.get(key));
        } catch (RuntimeException e) {
            // an unreadable manifest is the trainer's bug, not a reason to hide the rest of the registry
            LOG.warn("leaving {} version {} out of the registry listing: cannot read its manifest: {}", name, version,
                    e.getMessage());
            return Optional.empty();
        }
    }

    private String latest(String name) {
        try {
            return store.latestVersion(name).orElse(null);
        } catch (RuntimeException e) {
            LOG.warn("cannot read the latest pointer of {}: {}", name, e.getMessage());
            return null;
        }
    }
}
