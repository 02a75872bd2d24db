package io.finetune.inference;

import io.micronaut.core.annotation.Nullable;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** A model name the service answers for: its active version (swapped atomically) and what happened to it. */
final class ServedModel {
    enum State {
        /** No load attempt has finished yet. */
        PENDING,
        /** No complete version exists (no {@code latest} pointer, or the pinned version is missing). */
        NOT_PUBLISHED,
        /** A version exists but could not be loaded or failed its checks, and none is active. */
        FAILED,
        ACTIVE
    }

    record Failure(String version, String message, Instant at) {
    }

    private final ModelSelection selection;
    private final boolean configured;
    private final AtomicReference<LoadedModel> active = new AtomicReference<>();
    private final Set<String> refusedVersions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private volatile State state = State.PENDING;
    private volatile Failure lastFailure;

    ServedModel(ModelSelection selection, boolean configured) {
        this.selection = selection;
        this.configured = configured;
    }

    ModelSelection selection() {
        return selection;
    }

    String name() {
        return selection.name();
    }

    /** Listed in configuration (as opposed to followed after a publish event); only these hold readiness. */
    boolean configured() {
        return configured;
    }

    State state() {
        return state;
    }

    @Nullable
    Failure lastFailure() {
        return lastFailure;
    }

    Set<String> refusedVersions() {
        return Set.copyOf(refusedVersions);
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
                return lease;
            }
            // m was retired and closed between the read and the acquire: the next read sees its successor.
        }
    }

    /** Makes {@code next} active; the previous version closes once its running requests have finished. */
    void activate(LoadedModel next) {
        LoadedModel previous = active.getAndSet(next);
        state = State.ACTIVE;
        if (previous != null) {
            previous.retire();
        }
    }

    void notPublished() {
        if (active.get() == null) {
            state = State.NOT_PUBLISHED;
        }
    }

    void failed(String version, String message, boolean refused) {
        lastFailure = new Failure(version, message, Instant.now());
        if (refused) {
            refusedVersions.add(version);
        }
        if (active.get() == null) {
            state = State.FAILED;
        }
    }

    boolean isRefused(String version) {
        return refusedVersions.contains(version);
    }

    /** True if the caller should queue a refresh (none is queued yet). */
    boolean markRefreshQueued() {
        return refreshQueued.compareAndSet(false, true);
    }

    void refreshStarted() {
        refreshQueued.set(false);
    }

    void close() {
        LoadedModel m = active.getAndSet(null);
        if (m != null) {
            m.retire();
        }
    }
}
