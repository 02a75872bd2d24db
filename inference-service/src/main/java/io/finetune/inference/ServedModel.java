package io.finetune.inference;

import io.micronaut.core.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A model name the service answers for: what is desired (the selection, which the serving state may change), its
 * active version (swapped atomically), the version loading, and what happened to it.
 */
final class ServedModel {
    enum State {
        /** No load attempt has finished yet. */
        PENDING,
        /** No complete version exists (no {@code latest} pointer, or the pinned version is missing). */
        NOT_PUBLISHED,
        /** A version exists but could not be loaded or failed its checks, and none is active. */
        FAILED,
        /** Unloaded to stay within the cap on served models (least recently used); loaded again when asked for. */
        UNLOADED,
        ACTIVE
    }

    record Failure(String version, String message, Instant at) {
    }

    private final boolean configured;
    private final boolean holdsReadiness;
    private final AtomicReference<LoadedModel> active = new AtomicReference<>();
    /** Version to the reason it failed its checks. */
    private final Map<String, String> refusedVersions = new ConcurrentHashMap<>();
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private volatile ModelSelection selection;
    private volatile State state = State.PENDING;
    private volatile Failure lastFailure;
    private volatile String loadingVersion;
    private volatile String latestSeen;
    private volatile Instant divergedSince;
    private boolean closed;
    private volatile boolean unloaded;
    private volatile long lastUsedNanos = System.nanoTime();

    /**
     * @param configured     listed in configuration ({@code finetune.inference.models}): the serving state does not
     *                       change it
     * @param holdsReadiness the replica is not ready (within the startup wait) until this model is active
     */
    ServedModel(ModelSelection selection, boolean configured) {
        this(selection, configured, configured);
    }

    ServedModel(ModelSelection selection, boolean configured, boolean holdsReadiness) {
        this.selection = selection;
        this.configured = configured;
        this.holdsReadiness = holdsReadiness;
        this.divergedSince = Instant.now();
    }

    ModelSelection selection() {
        return selection;
    }

    /** A new desired selection (from the serving state); the next refresh loads what it names. */
    void select(ModelSelection next) {
        if (!next.name().equals(name())) {
            throw new IllegalArgumentException("expected a selection of " + name() + ", found " + next);
        }
        selection = next;
    }

    String name() {
        return selection.name();
    }

    /** Listed in configuration (as opposed to desired by the serving state in storage). */
    boolean configured() {
        return configured;
    }

    boolean holdsReadiness() {
        return holdsReadiness;
    }

    /** The version being loaded right now, or null. */
    @Nullable
    String loadingVersion() {
        return loadingVersion;
    }

    void loading(@Nullable String version) {
        loadingVersion = version;
    }

    /** The version the {@code latest} pointer named when it was last read, or null. */
    @Nullable
    String latestSeen() {
        return latestSeen;
    }

    void sawLatest(String version) {
        latestSeen = version;
    }

    /** The version this model should serve: the pinned one, or the latest seen; null while unknown. */
    @Nullable
    String desiredVersion() {
        ModelSelection s = selection;
        return s.followsLatest() ? latestSeen : s.version();
    }

    /** Unloaded to stay within the cap on served models: by configuration, so not counted as out of sync. */
    boolean unloaded() {
        return unloaded;
    }

    /** When a request last leased this model (or it was created), for least-recently-used unloading. */
    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /**
     * Unloads the active version to make room (it closes once its running requests finish); the model stays served
     * and is loaded again by {@link #wanted} when a request asks for it.
     */
    synchronized void unload() {
        unloaded = true;
        state = State.UNLOADED;
        LoadedModel m = active.getAndSet(null);
        if (m != null) {
            m.retire();
        }
    }

    /** A request asked for an unloaded model: true if the caller should load it again. */
    synchronized boolean wanted() {
        lastUsedNanos = System.nanoTime();
        if (!unloaded) {
            return false;
        }
        unloaded = false;
        state = State.PENDING;
        return true;
    }

    /** Whether the active version is the desired one (a model following latest whose pointer is unknown: active). */
    boolean inSync() {
        if (unloaded) {
            return true;
        }
        String desired = desiredVersion();
        String activeVersion = activeVersion();
        return activeVersion != null && (desired == null || desired.equals(activeVersion));
    }

    /** Since when the actual state has differed from the desired one (null while in sync), updated at {@code now}. */
    @Nullable
    Instant divergedSince(Instant now) {
        if (inSync()) {
            divergedSince = null;
        } else if (divergedSince == null) {
            divergedSince = now;
        }
        return divergedSince;
    }

    /** 1 when out of sync for longer than {@code tolerance}, else 0 (for the gauge). */
    double divergedLongerThan(Duration tolerance) {
        Instant now = Instant.now();
        Instant since = divergedSince(now);
        return since != null && Duration.between(since, now).compareTo(tolerance) > 0 ? 1 : 0;
    }

    State state() {
        return state;
    }

    @Nullable
    Failure lastFailure() {
        return lastFailure;
    }

    /** Versions that failed their checks, each with the reason, by version. */
    Map<String, String> refusedVersions() {
        return new TreeMap<>(refusedVersions);
    }

    @Nullable
    LoadedModel active() {
        return active.get();
    }

    @Nullable
    String activeVersion() {
        LoadedModel m = active.get();
        return m == null ? null : m.version();
    }

    /** The active version as a number for the gauge; NaN while none is active. */
    double activeVersionNumber() {
        String v = activeVersion();
        return v == null ? Double.NaN : ModelVersions.number(v);
    }

    /** A lease on the active version, or null when none is active. */
    @Nullable
    LoadedModel.Lease acquire() {
        while (true) {
            LoadedModel m = active.get();
            if (m == null) {
                return null;
            }
            LoadedModel.Lease lease = m.tryAcquire();
            if (lease != null) {
                lastUsedNanos = System.nanoTime();
                return lease;
            }
            // m was retired and closed between the read and the acquire: the next read sees its successor.
        }
    }

    /**
     * Makes {@code next} active; the previous version closes once its running requests have finished. A model that
     * was stopped meanwhile closes {@code next} instead and returns false.
     */
    synchronized boolean activate(LoadedModel next) {
        if (closed || unloaded) {
            next.retire();
            return false;
        }
        LoadedModel previous = active.getAndSet(next);
        state = State.ACTIVE;
        if (previous != null) {
            previous.retire();
        }
        return true;
    }

    void notPublished() {
        if (active.get() == null) {
            state = State.NOT_PUBLISHED;
        }
    }

    void failed(String version, String message, boolean refused) {
        lastFailure = new Failure(version, message, Instant.now());
        if (refused) {
            refusedVersions.put(version, message);
        }
        if (active.get() == null) {
            state = State.FAILED;
        }
    }

    boolean isRefused(String version) {
        return refusedVersions.containsKey(version);
    }

    /** No version active and the last one tried failed its checks: a verdict that waiting does not change. */
    boolean refusedWithNoneActive() {
        Failure last = lastFailure;
        return state == State.FAILED && last != null && isRefused(last.version());
    }

    /** True if the caller should queue a refresh (none is queued yet). */
    boolean markRefreshQueued() {
        return refreshQueued.compareAndSet(false, true);
    }

    void refreshStarted() {
        refreshQueued.set(false);
    }

    /** Stops serving: the active version closes once its running requests have finished; later loads are closed. */
    synchronized void close() {
        closed = true;
        LoadedModel m = active.getAndSet(null);
        if (m != null) {
            m.retire();
        }
    }
}
