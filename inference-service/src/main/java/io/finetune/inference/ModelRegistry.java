package io.finetune.inference;

import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ServingState;
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
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The models this service answers for, and how their versions change. What is served is the desired serving state
 * in storage ({@link ServingStates}: one document per model, written through the API or by a training job) plus the
 * models pinned by configuration; the replica reconciles to it at start, on every {@code ModelPublished} and serving
 * change event, and every pointer check (a backstop for missed events). A model announced by a
 * {@code ModelPublished} without a serving state gets one that follows its latest version when
 * {@code follow-new-models} is on (created only if absent, so a model an operator stopped stays stopped); every
 * reconciliation gives the same state to registry models that have none (their event was missed). Every load runs on one background thread (so requests never wait for a load,
 * and two loads never compete for memory); a loaded version is checked before it is swapped in. Events only move a
 * model forward (a redelivered or older event is ignored); the {@code latest} pointer is authoritative and is
 * followed wherever it points. A version that fails its checks is refused for good (counted and logged, the previous
 * version keeps serving); storage faults are retried at the next pointer check.
 */
@Singleton
class ModelRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final java.time.Duration SLOW_LOAD_REPORT_PERIOD = java.time.Duration.ofSeconds(30);

    private final InferenceConfiguration config;
    private final ModelStore store;
    private final ModelLoader loader;
    private final InferenceMetrics metrics;
    private final ServingStates states;
    private final ServingConfiguration serving;
    private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
    private final ExecutorService loads = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "model-loader");
        t.setDaemon(true);
        return t;
    });
    private final SlowLoadReporter slowLoads = new SlowLoadReporter(SLOW_LOAD_REPORT_PERIOD);
    private final Object reconciling = new Object();
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile StartupGate gate;
    private volatile boolean reconciledOnce;

    ModelRegistry(InferenceConfiguration config, ModelStore store, ModelLoader loader, InferenceMetrics metrics,
                  ServingStates states, ServingConfiguration serving) {
        this.config = config;
        this.serving = serving;
        this.store = store;
        this.loader = loader;
        this.metrics = metrics;
        this.states = states;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        gate = new StartupGate(Instant.now(), config.startupWait());
        for (ModelSelection selection : config.selections()) {
            ServedModel served = new ServedModel(selection, true);
            models.put(selection.name(), served);
            metrics.watch(served);
            LOG.info("serving {} (pinned by configuration; loading in the background)", selection);
        }
        loads.execute(this::reconcileOrRetry);
    }

    /** The first reconciliation, on the loader thread: retried at every pointer check if storage cannot be read. */
    private void reconcileOrRetry() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the serving state (retried at the next pointer check): {}", e.getMessage());
            checkPointers();
        }
    }

    /** Called after every reconciliation and every load (the replica's report is written from there). */
    void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    Optional<ServedModel> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    Collection<ServedModel> models() {
        return List.copyOf(models.values());
    }

    boolean configured(String name) {
        ServedModel m = models.get(name);
        return m != null && m.configured();
    }

    /**
     * Ready once the serving state was read and every model desired at that moment (and every configured one) is
     * active, or once {@code startupWait} has passed since start: then models still without a version are reported
     * (and answer 503) but no longer hold the whole service back.
     */
    boolean ready() {
        StartupGate g = gate;
        return g != null && (reconciledOnce && g.ready(models.values(), Instant.now()) || g.waitOver(Instant.now()));
    }

    boolean startupWaitOver() {
        StartupGate g = gate;
        return g != null && g.waitOver(Instant.now());
    }

    /**
     * Brings the served models to the desired serving state: starts serving desired models, changes selections,
     * stops (and closes) models no longer desired, then re-reads every pointer. Models pinned by configuration are
     * left as configured.
     */
    void reconcile() {
        reconcileState();
        checkPointers();
        changed();
    }

    /** The desired-state half of {@link #reconcile}: returns the models it started serving or re-selected. */
    private Set<String> reconcileState() {
        try {
            Set<String> changed = reconcileStateOnce();
            metrics.reconciled(true);
            return changed;
        } catch (RuntimeException e) {
            metrics.reconciled(false);
            throw e;
        }
    }

    private Set<String> reconcileStateOnce() {
        synchronized (reconciling) {
            Map<String, ServingState> desired = states.desired();
            if (config.followNewModels() && followUnannounced(desired.keySet())) {
                desired = states.desired();
            }
            boolean first = !reconciledOnce;
            Set<String> changed = new HashSet<>();
            for (ServingState state : desired.values()) {
                if (!state.serve() || configured(state.modelName())) {
                    continue;
                }
                ModelSelection selection = new ModelSelection(state.modelName(), state.version());
                ServedModel current = models.get(state.modelName());
                if (current == null) {
                    ServedModel served = new ServedModel(selection, false, first);
                    boolean room = loadedFromState() < serving.maxModels();
                    if (!room) {
                        served.unload(); // loaded when a request asks for it
                    }
                    models.put(selection.name(), served);
                    metrics.watch(served);
                    changed.add(selection.name());
                    LOG.info("serving {} (serving state by {}){}", selection, state.source(), room ? ""
                            : "; not loaded: finetune.inference.serving.max-models (" + serving.maxModels()
                            + ") are loaded, it loads when a request asks for it");
                } else if (!current.selection().equals(selection)) {
                    LOG.info("serving {} instead of {} (serving state by {})", selection, current.selection(),
                            state.source());
                    current.select(selection);
                    changed.add(selection.name());
                }
            }
            for (ServedModel served : models.values()) {
                ServingState state = desired.get(served.name());
                if (!served.configured() && (state == null || !state.serve())) {
                    stop(served, state == null ? "no serving state" : "serving stopped by " + state.source());
                }
            }
            reconciledOnce = true;
            return changed;
        }
    }

    /**
     * A model published without a serving state gets one that follows its latest version: created only if absent
     * (two replicas hearing the same event write it once; a model an operator stopped keeps its stopped state).
     */
    private void followNewModel(String name) {
        if (configured(name)) {
            return;
        }
        ServingState follow = new ServingState(ServingState.SCHEMA_VERSION, name, true, ServingState.LATEST,
                ServingState.SOURCE_FOLLOW_NEW_MODELS, Instant.now());
        if (states.writeIfAbsent(follow)) {
            LOG.info("wrote the serving state of newly published model {}: follow its latest version", name);
        }
    }

    /**
     * The backstop of {@code follow-new-models}: a model in the registry with no serving state at all (published
     * before this version of the service wrote serving states, or while no replica was running to hear its
     * {@code ModelPublished}) gets the same follow-its-latest state an event would have written. A model with any
     * serving state, stopped ones included, is left alone. Returns true if it wrote a state.
     */
    private boolean followUnannounced(Set<String> withState) {
        boolean wrote = false;
        for (String name : store.completeVersions().keySet()) {
            if (!withState.contains(name) && !configured(name)) {
                LOG.info("model {} is in the registry without a serving state (published while no replica "
                        + "listened, or before serving states existed): following it", name);
                followNewModel(name);
                wrote = true;
            }
        }
        return wrote;
    }

    /** Models from the serving state that are loaded or being loaded (not unloaded by the cap). */
    private long loadedFromState() {
        return models.values().stream().filter(m -> !m.configured() && !m.unloaded()).count();
    }

    /**
     * A request asked for a model unloaded by the cap: loads it again in the background (the least recently used
     * other model is unloaded once it is active). Returns true if a load was started.
     */
    boolean reload(ServedModel served) {
        if (models.get(served.name()) != served || !served.wanted()) {
            return false;
        }
        LOG.info("loading {} again: a request asked for it", served.name());
        queueRefresh(served);
        return true;
    }

    /** Unloads the least recently used models from the serving state beyond the cap, never {@code keep}. */
    private void enforceCap(ServedModel keep) {
        List<ServedModel> candidates = models.values().stream()
                .filter(m -> !m.configured() && !m.unloaded() && m != keep)
                .sorted(java.util.Comparator.comparingLong(ServedModel::lastUsedNanos)).toList();
        long excess = loadedFromState() - serving.maxModels();
        for (int i = 0; i < candidates.size() && excess > 0; i++, excess--) {
            ServedModel lru = candidates.get(i);
            LOG.info("unloading {} version {} (least recently used) to stay within finetune.inference.serving"
                    + ".max-models ({}); it loads again when a request asks for it", lru.name(),
                    lru.activeVersion() == null ? "none" : lru.activeVersion(), serving.maxModels());
            lru.unload();
        }
    }

    private void stop(ServedModel served, String reason) {
        if (models.remove(served.name(), served)) {
            metrics.unwatch(served);
            LOG.info("stopped serving {} ({}); version {} closes once its running requests finish", served.name(),
                    reason, served.activeVersion() == null ? "none" : served.activeVersion());
            served.close();
        }
    }

    /**
     * A publish event: reconciles to the serving state (the model may be new, or its state changed by the job that
     * published it), then loads the announced version in the background if the model follows its latest version and
     * the version is newer than the active one, checking the class count the event announces.
     */
    void onPublished(ModelPublished event) {
        Set<String> changed = Set.of();
        try {
            if (config.followNewModels() && !models.containsKey(event.modelName())) {
                followNewModel(event.modelName());
            }
            changed = reconcileState();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the serving state after {} version {} was published: {}", event.modelName(),
                    event.version(), e.getMessage());
        }
        ServedModel served = models.get(event.modelName());
        changed.stream().filter(name -> !name.equals(event.modelName())).map(models::get)
                .filter(java.util.Objects::nonNull).forEach(this::queueRefresh);
        if (served == null) {
            LOG.info("not serving {} version {}: not in the serving state", event.modelName(), event.version());
        } else if (!served.selection().followsLatest()) {
            LOG.info("{} version {} published; serving the pinned version {}", event.modelName(), event.version(),
                    served.selection().version());
            queueRefresh(served);
        } else {
            loads.execute(() -> {
                if (ModelVersions.isNewer(event.version(), served.latestSeen())) {
                    served.sawLatest(event.version());
                }
                if (served.selection().followsLatest()
                        && ModelVersions.isNewer(event.version(), served.activeVersion())) {
                    activate(served, event.version(), event.numClasses());
                } else {
                    LOG.debug("{} version {} is not newer than active {}", served.name(), event.version(),
                            served.activeVersion());
                }
            });
        }
        changed();
    }

    private void changed() {
        for (Runnable listener : changeListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("cannot report the serving state of this replica: {}", e.getMessage());
            }
        }
    }

    /** Re-reads every {@code latest} pointer (and retries pinned versions not loaded yet) in the background. */
    void checkPointers() {
        models.values().forEach(this::queueRefresh);
    }

    private void queueRefresh(ServedModel served) {
        if (served.markRefreshQueued()) {
            loads.execute(() -> refresh(served));
        }
    }

    private void refresh(ServedModel served) {
        served.refreshStarted();
        if (models.get(served.name()) != served || served.unloaded()) {
            return; // stopped meanwhile, or unloaded by the cap until a request asks for it
        }
        ModelSelection selection = served.selection();
        try {
            Optional<String> latest = store.latestVersion(selection.name());
            latest.ifPresent(served::sawLatest);
            Optional<String> target = selection.followsLatest() ? latest : Optional.of(selection.version());
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
        } finally {
            changed();
        }
    }

    private void activate(ServedModel served, String version, @Nullable Integer expectedClasses) {
        String name = served.name();
        if (version.equals(served.activeVersion()) || served.isRefused(version)) {
            return;
        }
        long start = System.nanoTime();
        served.loading(version);
        try (SlowLoadReporter.Watch watch = slowLoads.watch(Thread.currentThread(), name + " version " + version)) {
            LoadedModel next = loader.load(name, version, expectedClasses);
            String previous = served.activeVersion();
            if (!served.activate(next)) {
                LOG.info("closed {} version {}: serving stopped (or the model was unloaded) while it loaded", name,
                        version);
                return;
            }
            if (!served.configured()) {
                enforceCap(served);
            }
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
        } finally {
            served.loading(null);
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
