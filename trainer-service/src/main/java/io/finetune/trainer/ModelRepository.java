package io.finetune.trainer;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.ServingMode;
import io.finetune.contracts.ServingState;
import io.finetune.service.ExclusiveWrites;
import io.finetune.service.ObjectStore;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Model packages in object storage: resolving and downloading base models, reserving versions and uploading new
 * packages so that no reader ever sees half a model (files first, {@code manifest.json} last, then {@code latest}).
 */
@Singleton
public class ModelRepository {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);
    private static final int MAX_CLAIM_ATTEMPTS = 100;

    private final ObjectStore store;
    private final ExclusiveWrites exclusive;
    private final Path cache;
    private final LocalCopies copies;

    /** A downloaded package. */
    public record LocalModel(ModelRef ref, ModelManifest manifest, Path dir) {
    }

    /** Keeps every downloaded package (tools and tests). */
    public ModelRepository(ObjectStore store, ExclusiveWrites exclusive, TrainerConfiguration configuration) {
        this(store, exclusive, configuration, CacheConfiguration.UNBOUNDED);
    }

    @Inject
    public ModelRepository(ObjectStore store, ExclusiveWrites exclusive, TrainerConfiguration configuration,
                           CacheConfiguration cacheConfiguration) {
        this.store = store;
        this.exclusive = exclusive;
        this.cache = configuration.workPath().resolve("models");
        this.copies = new LocalCopies(cache, 2, cacheConfiguration.modelBytes());
    }

    /** Holds the local copy of a resolved version against eviction while a job uses it. */
    public LocalCopies.Pin pin(ModelRef resolved) {
        return copies.pin(cache.resolve(resolved.name()).resolve(resolved.version()));
    }

    /** The manifest of a published version; {@code latest} follows the pointer. */
    public ModelManifest manifest(ModelRef ref) {
        ModelRef resolved = resolve(ref);
        return store.getJson(ObjectLayout.modelManifest(resolved.name(), resolved.version()), ModelManifest.class)
                .orElseThrow(() -> new InvalidCommandException("expected base model " + resolved.name() + " version "
                        + resolved.version() + " with " + ObjectLayout.MODEL_MANIFEST + ", found none; published "
                        + "versions: " + publishedVersions(resolved.name())));
    }

    public ModelRef resolve(ModelRef ref) {
        if (!ObjectLayout.LATEST.equals(ref.version())) {
            return ref;
        }
        ModelPointer pointer = store.getJson(ObjectLayout.modelLatest(ref.name()), ModelPointer.class)
                .orElseThrow(() -> new InvalidCommandException("expected a published model " + ref.name()
                        + " (pointer " + ObjectLayout.modelLatest(ref.name()) + "), found none"));
        return new ModelRef(ref.name(), pointer.version());
    }

    /**
     * Downloads a complete package, once per version: a local copy whose manifest equals the published one is
     * complete and current. A local copy with a different manifest (the storage was reset and the version number
     * reused by another model) is replaced.
     */
    public LocalModel download(ModelRef ref) throws IOException {
        ModelRef resolved = resolve(ref);
        ModelManifest manifest = manifest(resolved);
        Path dir = cache.resolve(resolved.name()).resolve(resolved.version());
        if (!matchesLocalCopy(dir.resolve(ObjectLayout.MODEL_MANIFEST), manifest)) {
            if (Files.isRegularFile(dir.resolve(ObjectLayout.MODEL_MANIFEST))) {
                LOG.warn("local copy of model {} {} in {} is not the published package (different manifest); "
                        + "downloading it again", resolved.name(), resolved.version(), dir);
            }
            CheckpointSync.deleteTree(dir);
            String prefix = ObjectLayout.modelVersionPrefix(resolved.name(), resolved.version());
            for (String key : store.list(prefix)) {
                String file = key.substring(prefix.length());
                if (!file.equals(ObjectLayout.MODEL_MANIFEST) && !file.equals(ObjectLayout.MODEL_VERSION_CLAIM)) {
                    store.download(key, dir.resolve(file));
                }
            }
            store.download(ObjectLayout.modelManifest(resolved.name(), resolved.version()),
                    dir.resolve(ObjectLayout.MODEL_MANIFEST));
            copies.trim();
        }
        return new LocalModel(resolved, manifest, dir);
    }

    private static boolean matchesLocalCopy(Path localManifest, ModelManifest published) {
        if (!Files.isRegularFile(localManifest)) {
            return false;
        }
        try {
            return ContractCodec.read(Files.readAllBytes(localManifest), ModelManifest.class).equals(published);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Versions with a manifest, ascending. */
    public List<Integer> publishedVersions(String name) {
        List<Integer> versions = new ArrayList<>();
        for (String child : store.children(ObjectLayout.modelPrefix(name))) {
            DatasetCache.parseVersion(child)
                    .filter(v -> store.exists(ObjectLayout.modelManifest(name, child)))
                    .ifPresent(versions::add);
        }
        versions.sort(null);
        return versions;
    }

    /**
     * Reserves the next version for a job: one past the highest published version, moving up while another job's
     * claim holds a number. A claim already held by this job (a crash after claiming) is reused.
     */
    public String claimVersion(String name, String jobId) {
        List<Integer> published = publishedVersions(name);
        int candidate = (published.isEmpty() ? 0 : published.get(published.size() - 1)) + 1;
        byte[] owner = jobId.getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++, candidate++) {
            String version = Integer.toString(candidate);
            String claim = ObjectLayout.modelVersionClaim(name, version);
            if (exclusive.createIfAbsent(claim, owner, "text/plain")) {
                return version;
            }
            Optional<byte[]> holder = store.get(claim);
            if (holder.isPresent() && jobId.equals(new String(holder.get(), StandardCharsets.UTF_8))) {
                return version;
            }
            LOG.info("model {} version {} is claimed by job {}; trying the next", name, version,
                    holder.map(h -> new String(h, StandardCharsets.UTF_8)).orElse("?"));
        }
        throw new IllegalStateException("expected a free version of model " + name + " within "
                + MAX_CLAIM_ATTEMPTS + " attempts from " + (candidate - MAX_CLAIM_ATTEMPTS) + ", found all claimed");
    }

    /** Who holds a version's claim, if anyone. */
    public Optional<String> claimHolder(String name, String version) {
        return store.get(ObjectLayout.modelVersionClaim(name, version)).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    /**
     * Uploads a package written locally: every file but the manifest, then the manifest. A version whose manifest
     * already exists is left as it is (a redelivered job that got this far before it crashed).
     */
    public void upload(String name, String version, Path packageDir) throws IOException {
        String manifestKey = ObjectLayout.modelManifest(name, version);
        if (store.exists(manifestKey)) {
            LOG.info("model {} version {} is already complete; not uploading it again", name, version);
            return;
        }
        Path manifest = packageDir.resolve(ObjectLayout.MODEL_MANIFEST);
        ContractCodec.decode(Files.readAllBytes(manifest), ModelManifest.class);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(packageDir)) {
            files = walk.filter(Files::isRegularFile).filter(p -> !p.equals(manifest)).sorted().toList();
        }
        for (Path file : files) {
            String relative = packageDir.relativize(file).toString().replace('\\', '/');
            store.upload(ObjectLayout.modelFile(name, version, relative), file, "application/octet-stream");
        }
        store.upload(manifestKey, manifest, "application/json");
    }

    /**
     * Points {@code latest} at {@code version} unless it already names a higher one (a concurrent publisher that
     * finished later with a lower number must not move it back). Read-then-write: two publishers finishing at the
     * same instant may leave the lower one; the next publication corrects it.
     */
    public void advanceLatest(String name, String version) {
        Optional<ModelPointer> current = store.getJson(ObjectLayout.modelLatest(name), ModelPointer.class);
        int mine = Integer.parseInt(version);
        if (current.isPresent() && DatasetCache.parseVersion(current.get().version()).orElse(0) > mine) {
            LOG.info("model {} latest stays at {} (newer than {})", name, current.get().version(), version);
            return;
        }
        store.putJson(ObjectLayout.modelLatest(name), new ModelPointer(ModelPointer.SCHEMA_VERSION, name, version,
                Instant.now()));
    }

    /**
     * Asks the inference replicas to serve {@code model} ({@code serving/models/{name}.json}, one PUT): following its
     * latest version, or pinned to this one. Written again by a redelivered job, with the same meaning.
     */
    public void serve(ModelRef model, ServingMode mode, String jobId) {
        String version = mode == ServingMode.PINNED ? model.version() : ServingState.LATEST;
        store.putJson(ObjectLayout.servingState(model.name()), new ServingState(ServingState.SCHEMA_VERSION,
                model.name(), true, version, ServingState.sourceJob(jobId), Instant.now()));
        LOG.info("model {} is to be served at version {} (asked by job {})", model.name(), version, jobId);
    }
}
