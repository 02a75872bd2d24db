package io.finetune.trainer;

import io.finetune.contracts.JobLease;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Who runs a job, in {@code jobs/{jobId}/leases/}. Each generation is created with a conditional PUT, so of the
 * trainers racing for a job (or for a dead trainer's job) exactly one gets it. Expiry is judged by the reader on its
 * own monotonic clock: a lease whose generation and beat this trainer has seen unchanged for the time to live is
 * expired, whatever the holder's clock says, so clock skew between machines cannot expire a live lease.
 */
@Singleton
public class JobLeases {
    private final ObjectStore store;
    private final String owner;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final Clock clock = Clock.systemUTC();
    /** The last generation and beat seen of other trainers' leases, and since when (this JVM's nanoTime). */
    private final Map<String, Sighting> sightings = new ConcurrentHashMap<>();

    /** A lease this trainer holds. */
    public record Lease(String jobId, long generation, long beat, boolean tookOver) {
    }

    /** What a claim attempt found: the lease, or why not (held, or seen expiring but not yet expired). */
    public record Claim(Optional<Lease> lease, boolean held) {
        static Claim won(Lease lease) {
            return new Claim(Optional.of(lease), false);
        }

        static Claim lost() {
            return new Claim(Optional.empty(), true);
        }

        static Claim free() {
            return new Claim(Optional.empty(), false);
        }
    }

    private record Sighting(long generation, long beat, long sinceNanos) {
    }

    public JobLeases(ObjectStore store, TrainerConfiguration trainer, WorkQueueConfiguration queue) {
        this(store, trainer.owner(), queue.leaseTtl().toNanos(), System::nanoTime);
    }

    JobLeases(ObjectStore store, String owner, long ttlNanos, LongSupplier nanoTime) {
        this.store = store;
        this.owner = owner;
        this.ttlNanos = ttlNanos;
        this.nanoTime = nanoTime;
    }

    /**
     * Takes the job's lease if nobody holds it, or if its holder stopped renewing it at least a time to live ago.
     * {@link Claim#held()} is true when another trainer holds a live lease (the job is running, not pending).
     */
    public Claim tryAcquire(String jobId) {
        long newest = inspect(jobId);
        if (newest < 0) {
            return Claim.lost();
        }
        boolean takeover = newest > 0;
        if (!create(jobId, newest + 1, takeover)) {
            return Claim.lost();
        }
        sightings.remove(jobId);
        return Claim.won(new Lease(jobId, newest + 1, 0, takeover));
    }

    /** As {@link #tryAcquire} without taking anything: whether the job is held or free to claim. */
    public Claim peek(String jobId) {
        return inspect(jobId) < 0 ? Claim.lost() : Claim.free();
    }

    /** -1 when a live lease holds the job; else the generation to supersede (0 for none). */
    private long inspect(String jobId) {
        List<String> keys = store.list(ObjectLayout.jobLeasesPrefix(jobId));
        if (keys.isEmpty()) {
            return 0;
        }
        Optional<JobLease> newest = store.getJson(keys.get(keys.size() - 1), JobLease.class);
        if (newest.isEmpty()) {
            return -1; // released just now: the next scan finds it free
        }
        JobLease current = newest.get();
        long now = nanoTime.getAsLong();
        Sighting seen = sightings.get(jobId);
        if (seen == null || seen.generation() != current.generation() || seen.beat() != current.beat()) {
            sightings.put(jobId, new Sighting(current.generation(), current.beat(), now));
            return -1;
        }
        return now - seen.sinceNanos() < ttlNanos ? -1 : current.generation();
    }

    /**
     * Writes the next beat of a lease held here. Empty when a newer generation exists: another trainer took the
     * job over, and this one must stop.
     */
    public Optional<Lease> renew(Lease lease) {
        Lease next = new Lease(lease.jobId(), lease.generation(), lease.beat() + 1, lease.tookOver());
        store.putJson(ObjectLayout.jobLease(lease.jobId(), lease.generation()), document(next));
        List<String> keys = store.list(ObjectLayout.jobLeasesPrefix(lease.jobId()));
        String mine = ObjectLayout.jobLease(lease.jobId(), lease.generation());
        if (!keys.isEmpty() && !keys.get(keys.size() - 1).equals(mine)) {
            return Optional.empty();
        }
        return Optional.of(next);
    }

    /**
     * Gives a lease back so that another trainer can claim the job at once (a graceful stop): removes this generation
     * and the older ones, never a newer one.
     */
    public void release(Lease lease) {
        String mine = ObjectLayout.jobLease(lease.jobId(), lease.generation());
        for (String key : store.list(ObjectLayout.jobLeasesPrefix(lease.jobId()))) {
            if (key.compareTo(mine) <= 0) {
                store.delete(key);
            }
        }
    }

    /** Removes every generation once the job's state is final and its queue entry is gone. */
    public void removeAll(String jobId) {
        store.deletePrefix(ObjectLayout.jobLeasesPrefix(jobId));
        sightings.remove(jobId);
    }

    /** Forgets sightings of jobs no longer queued, so the map stays as small as the queue. */
    public void retainSightings(Collection<String> queuedJobIds) {
        sightings.keySet().retainAll(java.util.Set.copyOf(queuedJobIds));
    }

    private boolean create(String jobId, long generation, boolean tookOver) {
        Lease lease = new Lease(jobId, generation, 0, tookOver);
        return store.createJsonIfAbsent(ObjectLayout.jobLease(jobId, generation), document(lease));
    }

    private JobLease document(Lease lease) {
        return new JobLease(JobLease.SCHEMA_VERSION, lease.jobId(), lease.generation(), owner, lease.beat(),
                clock.instant());
    }
}
