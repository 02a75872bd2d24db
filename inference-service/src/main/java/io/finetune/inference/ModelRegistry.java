package io.finetune.inference;

import io.finetune.contracts.ModelPublished;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The models this service answers for, and how their versions change. Every load runs on one background thread
 * (so requests never wait for a load, and two loads never compete for memory); a loaded version is checked before
 * it is swapped in. Events only move a model forward (a redelivered or older event is ignored); the {@code latest}
 * pointer is authoritative and is followed wherever it points. A version that fails its checks is refused for
 * good (counted and logged); storage faults are retried at the next pointer check.
 */
@Singleton
class ModelRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final java.time.Duration SLOW_LOAD_REPORT_PERIOD = java.time.Duration.ofSeconds(30);

    private final InferenceConfiguration config;
    private final ModelStore store;
    private final ModelLoader loader;
    private final InferenceMetrics metrics;
    private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
    private final ExecutorService loads = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "model-loader");
        t.setDaemon(true);
        return t;
    });
    private final SlowLoadReporter slowLoads = new SlowLoadReporter(SLOW_LOAD_REPORT_PERIOD);
    private volatile StartupGate gate;

    ModelRegistry(InferenceConfiguration config, ModelStore store, ModelLoader loader, InferenceMetrics metrics) {
        this.config = config;
        this.store = store;
        this.loader = loader;
        this.metrics = metrics;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        gate = new StartupGate(Instant.now(), config.startupWait());
        for (ModelSelection selection : config.selections()) {
            ServedModel served = new ServedModel(selection, true);
            models.put(selection.name(), served);
            metrics.watch(served);
            LOG.info("serving {} (loading in the background)", selection);
        }
        checkPointers();
    }

    Optional<ServedModel> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    Collection<ServedModel> models() {
        return List.copyOf(models.values());
    }

    /**
     * Ready when every configured model is active, or once {@code startupWait} has passed since start: then models
     * still without a version are reported (and answer 503) but no longer hold the whole service back.
     */
    boolean ready() {
        StartupGate g = gate;
        return g != null && g.ready(models.values(), Instant.now());
    }

    boolean startupWaitOver() {
        StartupGate g = gate;
        return g != null && g.waitOver(Instant.now());
    }

    /** A publish event: load the announced version in the background if it is newer than the active one. */
    void onPublished(ModelPublished event) {
        ServedModel served = models.get(event.modelName());
        if (served == null) {
            if (!config.followNewModels()) {
                LOG.info("ignoring {} version {}: not configured", event.modelName(), event.version());
                return;
            }
            served = models.computeIfAbsent(event.modelName(), n -> {
                ServedModel s = new ServedModel(new ModelSelection(n, ModelSelection.LATEST), false);
                metrics.watch(s);
                LOG.info("serving newly published model {}", n);
                return s;
            });
        }
        if (!served.selection().followsLatest()) {
            LOG.info("ignoring {} version {}: pinned to version {}", event.modelName(), event.version(),
                    served.selection().version());
            return;
        }
        ServedModel target = served;
        loads.execute(() -> {
            if (ModelVersions.isNewer(event.version(), target.activeVersion())) {
                activate(target, event.version(), event.numClasses());
            } else {
                LOG.debug("{} version {} is not newer than active {}", target.name(), event.version(),
                        target.activeVersion());
            }
        });
    }

    /** Re-reads every {@code latest} pointer (and retries pinned versions not loaded yet) in the background. */
    void checkPointers() {
        for (ServedModel served : models.values()) {
            if (served.markRefreshQueued()) {
                loads.execute(() -> refresh(served));
            }
        }
    }

    private void refresh(ServedModel served) {
        served.refreshStarted();
        ModelSelection selection = served.selection();
        try {
            Optional<String> target = selection.followsLatest() ? store.latestVersion(selection.name())
                    : Optional.of(selection.version());
            if (target.isEmpty()) {
                served.notPublished();
                return;
            }
            if (!target.get().equals(served.activeVersion())) {
                activate(served, target.get(), null);
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot read the latest pointer of {}: {}", selection.name(), e.getMessage());
            served.failed(null, "cannot read the latest pointer: " + e.getMessage(), false);
        }
    }

    private void activate(ServedModel served, String version, @Nullable Integer expectedClasses) {
        String name = served.name();
        if (version.equals(served.activeVersion()) || served.isRefused(version)) {
            return;
        }
        long start = System.nanoTime();
        try (SlowLoadReporter.Watch watch = slowLoads.watch(Thread.currentThread(), name + " version " + version)) {
            LoadedModel next = loader.load(name, version, expectedClasses);
            String previous = served.activeVersion();
            served.activate(next);
            metrics.reload(name, true);
            LOG.info("activated {} version {} (was {}) in {} ms", name, version, previous == null ? "none" : previous,
                    (System.nanoTime() - start) / 1_000_000);
        } catch (ModelStore.IncompletePackageException e) {
            LOG.info("{} version {} is not published: {}", name, version, e.getMessage());
            served.notPublished();
        } catch (ModelLoader.ModelRefusedException e) {
            LOG.warn("refused {} version {}; {} keeps serving: {}", name, version, describeActive(served),
                    e.getMessage());
            served.failed(version, e.getMessage(), true);
            metrics.reload(name, false);
        } catch (Exception e) {
            LOG.warn("failed to load {} version {} (retried at the next pointer check); {} keeps serving: {}", name,
                    version, describeActive(served), e.toString());
            served.failed(version, e.toString(), false);
            metrics.reload(name, false);
        }
    }

    private static String describeActive(ServedModel served) {
        String v = served.activeVersion();
        return v == null ? "no version" : "version " + v;
    }

    @PreDestroy
    void close() throws InterruptedException {
        loads.shutdownNow();
        loads.awaitTermination(30, TimeUnit.SECONDS);
        slowLoads.close();
        models.values().forEach(ServedModel::close);
    }
}
