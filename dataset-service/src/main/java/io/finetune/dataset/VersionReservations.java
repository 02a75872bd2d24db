package io.finetune.dataset;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetSummary;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ExclusiveWrites;
import io.finetune.service.ObjectStore;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out dataset version numbers and cleans up after interrupted ingests. A version is reserved by creating its
 * {@code _INGESTING} marker (naming this process) with a conditional PUT before any image, so two processes (two
 * replicas, or both sides of a rolling update) never take the same version; it becomes visible when its manifest is
 * written, after which the marker is removed. A version with objects but no manifest whose marker is gone, or
 * whose owner is dead (same host, pid no longer running) or silent for {@code staleIngestAfter}, is deleted, at
 * start-up, before every reservation, and periodically. The marker of a visible version is removed only after its
 * READY event is acknowledged; a visible version whose marker outlived its owner gets its READY event again
 * (at-least-once; consumers are idempotent per dataset version).
 */
@Singleton
public class VersionReservations {
    private static final Logger LOG = LoggerFactory.getLogger(VersionReservations.class);
    private static final int MAX_CLAIM_ATTEMPTS = 100;
    private final ObjectStore store;
    private final ExclusiveWrites exclusive;
    private final Duration staleAfter;
    private final String owner = UUID.randomUUID().toString();
    private final String host = hostName();
    private final long pid = ProcessHandle.current().pid();
    private final Instant processStart = ProcessHandle.current().info().startInstant().orElse(Instant.EPOCH);
    private final Set<String> active = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    private final DatasetEvents events;

    public VersionReservations(ObjectStore store, ExclusiveWrites exclusive, DatasetConfiguration configuration,
                               DatasetEvents events) {
        this.store = store;
        this.exclusive = exclusive;
        this.events = events;
        this.staleAfter = configuration.staleIngestAfter();
    }

    @EventListener
    void onStartup(StartupEvent event) {
        store.ensureBucket();
        sweep();
    }

    @Scheduled(fixedDelay = "${finetune.dataset.sweep-interval:60s}", initialDelay = "${finetune.dataset.sweep-interval:60s}")
    void sweep() {
        for (String name : store.children(ObjectLayout.DATASETS)) {
            if (ObjectLayout.NAME.matcher(name).matches()) {
                synchronized (lock(name)) {
                    cleanUp(name);
                }
            }
        }
    }

    /**
     * Reserves the next version of {@code name} (after cleaning up interrupted ones) for an ingest from source: its
     * marker is created with a conditional PUT, so of two processes that chose the same number exactly one gets it;
     * the other tries the next number.
     */
    public String reserve(String name, String source) {
        synchronized (lock(name)) {
            cleanUp(name);
            int first = versions(name).stream().mapToInt(Integer::parseInt).max().orElse(0) + 1;
            for (int next = first; next < first + MAX_CLAIM_ATTEMPTS; next++) {
                String version = Integer.toString(next);
                if (claim(name, version, source)) {
                    return version;
                }
            }
            throw new IllegalStateException("expected to reserve a version of dataset " + name + " among "
                    + first + ".." + (first + MAX_CLAIM_ATTEMPTS - 1) + ", found every one taken by other writers");
        }
    }

    private boolean claim(String name, String version, String source) {
        String marker = ObjectLayout.datasetIngestMarker(name, version);
        Instant now = Instant.now();
        byte[] claim = ContractCodec.encode(new IngestMarker(owner, host, pid, processStart, now, now, source, 0, 0));
        active.add(key(name, version));
        if (!exclusive.createIfAbsent(marker, claim, "application/json")) {
            active.remove(key(name, version));
            return false;
        }
        if (visible(name, version)) {
            // Our listing predates a version another process finished (and whose marker it already removed).
            store.delete(marker);
            active.remove(key(name, version));
            return false;
        }
        return true;
    }

    public void heartbeat(String name, String version, String source, Instant startedAt, int processed, int total) {
        store.put(ObjectLayout.datasetIngestMarker(name, version), ContractCodec.encode(new IngestMarker(owner, host,
                pid, processStart, startedAt, Instant.now(), source, processed, total)), "application/json");
    }

    /** The version is visible and announced: the marker goes. */
    public void complete(String name, String version) {
        store.delete(ObjectLayout.datasetIngestMarker(name, version));
        active.remove(key(name, version));
    }

    /** The version is visible but its READY event was not acknowledged: the next sweep announces it again. */
    public void announceLater(String name, String version) {
        active.remove(key(name, version));
    }

    /** Deletes everything of an unfinished version, the marker last, so that a crash mid-way is retried. */
    public void discard(String name, String version) {
        String marker = ObjectLayout.datasetIngestMarker(name, version);
        for (String key : store.list(ObjectLayout.datasetVersionPrefix(name, version))) {
            if (!key.equals(marker)) {
                store.delete(key);
            }
        }
        store.delete(marker);
        active.remove(key(name, version));
    }

    /** Version numbers with any object (visible, in progress or interrupted), ascending. */
    public List<String> versions(String name) {
        List<String> versions = new ArrayList<>();
        for (String child : store.children(ObjectLayout.datasetPrefix(name))) {
            if (child.matches("[1-9][0-9]{0,8}")) {
                versions.add(child);
            }
        }
        versions.sort(Comparator.comparingInt(Integer::parseInt));
        return versions;
    }

    public boolean visible(String name, String version) {
        return store.exists(ObjectLayout.datasetManifest(name, version));
    }

    public Optional<IngestMarker> marker(String name, String version) {
        return store.get(ObjectLayout.datasetIngestMarker(name, version))
                .map(bytes -> ContractCodec.read(bytes, IngestMarker.class));
    }

    /** Whether an unfinished version's writer is gone. */
    public boolean interrupted(String name, String version, Optional<IngestMarker> marker) {
        if (marker.isEmpty()) {
            return true;
        }
        IngestMarker m = marker.get();
        if (m.owner().equals(owner)) {
            return !active.contains(key(name, version));
        }
        if (m.host().equals(host) && !alive(m.pid(), m.processStart())) {
            return true;
        }
        return m.heartbeatAt().plus(staleAfter).isBefore(Instant.now());
    }

    private void cleanUp(String name) {
        for (String version : versions(name)) {
            Optional<IngestMarker> marker = marker(name, version);
            if (visible(name, version)) {
                if (marker.isPresent() && interrupted(name, version, marker)) {
                    announceAgain(name, version);
                }
                continue;
            }
            if (interrupted(name, version, marker)) {
                LOG.warn("removing interrupted ingest of dataset {} version {} (owner {})", name, version,
                        marker.map(IngestMarker::owner).orElse("unknown: no marker"));
                discard(name, version);
            }
        }
    }

    private void announceAgain(String name, String version) {
        Optional<DatasetSummary> summary = store.getJson(ObjectLayout.datasetSummary(name, version),
                DatasetSummary.class);
        if (summary.isPresent() && events.ready(summary.get())) {
            LOG.info("announced dataset {} version {} again: its READY event was not confirmed before", name,
                    version);
            store.delete(ObjectLayout.datasetIngestMarker(name, version));
        }
    }

    private static boolean alive(long pid, Instant start) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(p -> p.info().startInstant().map(s -> s.equals(start)).orElse(true)).orElse(false);
    }

    private Object lock(String name) {
        return locks.computeIfAbsent(name, n -> new Object());
    }

    private static String key(String name, String version) {
        return name + "/" + version;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
