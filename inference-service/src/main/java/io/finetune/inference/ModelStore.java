package io.finetune.inference;

import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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
