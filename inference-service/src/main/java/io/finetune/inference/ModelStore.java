package io.finetune.inference;

import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Published model packages in object storage: {@code models/{name}/latest} pointers and complete version
 * directories (a version without {@code manifest.json} is still being written and is ignored).
 */
@Singleton
class ModelStore {
    private final ObjectStore store;

    ModelStore(ObjectStore store) {
        this.store = store;
    }

    /** The version the {@code latest} pointer names, if the model has been published. */
    Optional<String> latestVersion(String name) {
        return store.getJson(ObjectLayout.modelLatest(name), ModelPointer.class).map(p -> {
            if (!name.equals(p.modelName())) {
                throw new IllegalStateException("expected pointer " + ObjectLayout.modelLatest(name) + " to name model "
                        + name + ", found " + p.modelName());
            }
            return p.version();
        });
    }

    boolean isComplete(String name, String version) {
        return store.exists(ObjectLayout.modelManifest(name, version));
    }

    /**
     * Every model in storage with its complete versions (those with a {@code manifest.json}) in ascending order, by
     * name; one listing of {@code models/}. A model whose versions are all still being written is left out.
     */
    Map<String, List<String>> completeVersions() {
        return completeVersionsUnder(ObjectLayout.MODELS);
    }

    /** The complete versions of one model in ascending order; empty when storage has none. */
    List<String> completeVersions(String name) {
        return completeVersionsUnder(ObjectLayout.modelPrefix(name)).getOrDefault(name, List.of());
    }

    private Map<String, List<String>> completeVersionsUnder(String prefix) {
        Map<String, List<String>> models = new TreeMap<>();
        for (String key : store.list(prefix)) {
            String[] parts = key.substring(ObjectLayout.MODELS.length()).split("/");
            if (parts.length == 3 && parts[2].equals(ObjectLayout.MODEL_MANIFEST)
                    && ModelVersions.isVersion(parts[1])) {
                models.computeIfAbsent(parts[0], n -> new ArrayList<>()).add(parts[1]);
            }
        }
        models.values().forEach(v -> v.sort(Comparator.comparingLong(ModelVersions::number)));
        return models;
    }

    /** The manifest of a complete version, if it has one. */
    Optional<ModelManifest> manifest(String name, String version) {
        return store.getJson(ObjectLayout.modelManifest(name, version), ModelManifest.class);
    }

    /**
     * Downloads every object of a complete version into {@code dir}, {@code manifest.json} last, so that a local
     * package with a manifest is whole.
     *
     * @throws IncompletePackageException when the version has no manifest (not published, or still being written)
     */
    Path download(String name, String version, Path dir) throws IOException {
        String prefix = ObjectLayout.modelVersionPrefix(name, version);
        List<String> keys = store.list(prefix);
        String manifestKey = ObjectLayout.modelManifest(name, version);
        if (!keys.contains(manifestKey)) {
            throw new IncompletePackageException("expected " + manifestKey + " (a complete version), found "
                    + (keys.isEmpty() ? "no objects" : keys.size() + " objects without a manifest"));
        }
        Files.createDirectories(dir);
        for (String key : keys) {
            // The trainer's version claim is bookkeeping, not part of the package.
            if (!key.equals(manifestKey) && !key.endsWith("/" + ObjectLayout.MODEL_VERSION_CLAIM)) {
                store.download(key, local(dir, prefix, key));
            }
        }
        store.download(manifestKey, dir.resolve(ObjectLayout.MODEL_MANIFEST));
        return dir;
    }

    private static Path local(Path dir, String prefix, String key) throws IOException {
        Path target = dir.resolve(key.substring(prefix.length())).normalize();
        if (!target.startsWith(dir)) {
            throw new IOException("expected object keys inside " + prefix + ", found " + key);
        }
        return target;
    }

    /** A version directory without its manifest: not (yet) published. */
    static final class IncompletePackageException extends IOException {
        IncompletePackageException(String message) {
            super(message);
        }
    }
}
