package io.finetune.inference;

import io.finetune.service.ApiException;
import io.micronaut.http.HttpStatus;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Versions that are not a model's served one, loaded when a request names them. At most {@code maxVersions} stay
 * loaded (all models together); loading another closes the least recently used, once its running requests have
 * finished ({@link LoadedModel} leases). Loads run on one thread of their own, so a request for an old version never
 * delays a hot reload and never loads on the request thread; a request waits for its version at most
 * {@code loadWait}, then gets a 503 while the load goes on. A version that fails its checks is refused for good.
 */
@Singleton
class OnDemandVersions {
    private static final Logger LOG = LoggerFactory.getLogger(OnDemandVersions.class);
    /** Loads retried when the version a request waited for was closed again before it could lease it. */
    private static final int ATTEMPTS = 3;

    /** Loads and checks one version (downloaded from storage in the service). */
    interface VersionLoader {
        LoadedModel load(String name, String version) throws IOException;
    }

    /** The complete versions of a model in storage; empty when there is no such model. */
    interface StoredVersions {
        List<String> of(String name);
    }

    private final VersionLoader loader;
    private final StoredVersions stored;
    private final OnDemandConfiguration config;
    private final ThreadPoolExecutor loads;
    private final Object lock = new Object();
    /** In access order: the first entry is the least recently used. Guarded by {@link #lock}. */
    private final LinkedHashMap<String, LoadedModel> loaded = new LinkedHashMap<>(8, 0.75f, true);
    /** Guarded by {@link #lock}. */
    private final Map<String, CompletableFuture<LoadedModel>> loading = new HashMap<>();
    private final Map<String, String> refused = new ConcurrentHashMap<>();

    @Inject
    OnDemandVersions(ModelLoader loader, ModelStore store, OnDemandConfiguration config) {
        this((name, version) -> loader.load(name, version, null),
                store::completeVersions, config);
    }

    OnDemandVersions(VersionLoader loader, StoredVersions stored, OnDemandConfiguration config) {
        this.loader = loader;
        this.stored = stored;
        this.config = config;
        this.loads = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.maxQueuedLoads()), r -> {
                    Thread t = new Thread(r, "on-demand-model-loader");
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * A lease on {@code version} of {@code name}, loading it first if needed.
     *
     * @throws ApiException 404 when storage has no such complete version, 409 when the version was refused by its
     *                      checks, 503 when it is not loaded within the wait, too many loads are queued, or it fails
     */
    LoadedModel.Lease acquire(String name, String version) {
        String key = key(name, version);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            CompletableFuture<LoadedModel> pending;
            synchronized (lock) {
                LoadedModel m = loaded.get(key);
                LoadedModel.Lease lease = m == null ? null : m.tryAcquire();
                if (lease != null) {
                    return lease;
                }
                pending = loading.get(key);
            }
            if (pending == null) {
                requireLoadable(name, version);
                pending = startLoad(key, name, version);
            }
            LoadedModel.Lease lease = await(pending, name, version).tryAcquire();
            if (lease != null) {
                return lease;
            }
            // closed again (other versions were loaded meanwhile) before this request could lease it: load again
        }
        throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "version " + version + " of model " + name + " was "
                + "closed " + ATTEMPTS + " times before this request could use it: more versions are being asked "
                + "for than finetune.inference.on-demand.max-versions (" + config.maxVersions() + "); retry shortly");
    }

    /** Whether {@code version} of {@code name} is loaded here (without counting as a use). */
    boolean isLoaded(String name, String version) {
        synchronized (lock) {
            return loaded.containsKey(key(name, version));
        }
    }

    private void requireLoadable(String name, String version) {
        String reason = refused.get(key(name, version));
        if (reason != null) {
            throw new ApiException(HttpStatus.CONFLICT, "expected a version that passes its checks, found version "
                    + version + " of model " + name + " refused: " + reason);
        }
        List<String> versions = stored.of(name);
        if (versions.isEmpty()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "expected a model in the registry, found no version of '"
                    + name + "'");
        }
        if (!versions.contains(version)) {
            throw new ApiException(HttpStatus.NOT_FOUND, "expected a version of model " + name + " (one of "
                    + versions + "), found '" + version + "'");
        }
    }

    private CompletableFuture<LoadedModel> startLoad(String key, String name, String version) {
        synchronized (lock) {
            CompletableFuture<LoadedModel> existing = loading.get(key);
            if (existing != null) {
                return existing;
            }
            LoadedModel ready = loaded.get(key);
            if (ready != null) {
                return CompletableFuture.completedFuture(ready);
            }
            CompletableFuture<LoadedModel> load = new CompletableFuture<>();
            try {
                loads.execute(() -> load(key, name, version, load));
            } catch (RejectedExecutionException e) {
                throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "expected at most "
                        + config.maxQueuedLoads() + " model versions waiting to load, found the queue full (version "
                        + version + " of model " + name + " was not queued); retry shortly");
            }
            loading.put(key, load);
            return load;
        }
    }

    private void load(String key, String name, String version, CompletableFuture<LoadedModel> result) {
        long start = System.nanoTime();
        LoadedModel model;
        try {
            model = loader.load(name, version);
        } catch (ModelLoader.ModelRefusedException e) {
            LOG.warn("refused {} version {} asked for on demand: {}", name, version, e.getMessage());
            refused.put(key, e.getMessage());
            failed(key, result, e);
            return;
        } catch (Exception | Error e) {
            LOG.warn("failed to load {} version {} on demand: {}", name, version, e.toString());
            failed(key, result, e);
            if (e instanceof Error error) {
                throw error;
            }
            return;
        }
        List<LoadedModel> evicted = new ArrayList<>();
        synchronized (lock) {
            loaded.put(key, model);
            loading.remove(key);
            Iterator<LoadedModel> lru = loaded.values().iterator();
            while (loaded.size() > config.maxVersions()) {
                evicted.add(lru.next());
                lru.remove();
            }
        }
        LOG.info("loaded {} version {} on demand in {} ms", name, version, (System.nanoTime() - start) / 1_000_000);
        for (LoadedModel old : evicted) {
            LOG.info("closing {} version {} (least recently used of {} versions loaded on demand)", old.name(),
                    old.version(), config.maxVersions());
            old.retire();
        }
        result.complete(model);
    }

    private void failed(String key, CompletableFuture<LoadedModel> result, Throwable cause) {
        synchronized (lock) {
            loading.remove(key);
        }
        result.completeExceptionally(cause);
    }

    private LoadedModel await(CompletableFuture<LoadedModel> pending, String name, String version) {
        Duration wait = config.loadWait();
        try {
            return pending.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "expected version " + version + " of model " + name
                    + " loaded within " + wait.toMillis() + " ms, found it still loading; it keeps loading: retry "
                    + "shortly");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "interrupted while waiting for version " + version
                    + " of model " + name + " to load");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ModelLoader.ModelRefusedException) {
                throw new ApiException(HttpStatus.CONFLICT, "expected a version that passes its checks, found "
                        + "version " + version + " of model " + name + " refused: " + cause.getMessage());
            }
            if (cause instanceof ModelStore.IncompletePackageException) {
                throw new ApiException(HttpStatus.NOT_FOUND, "expected a complete version " + version + " of model "
                        + name + ", found: " + cause.getMessage());
            }
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "cannot load version " + version + " of model "
                    + name + " at the moment (the fault is in the inference service's log)");
        }
    }

    private static String key(String name, String version) {
        return name + ":" + version;
    }

    @PreDestroy
    void close() throws InterruptedException {
        loads.shutdownNow();
        loads.awaitTermination(30, TimeUnit.SECONDS);
        List<LoadedModel> all;
        synchronized (lock) {
            all = new ArrayList<>(loaded.values());
            loaded.clear();
        }
        all.forEach(LoadedModel::retire);
    }
}
