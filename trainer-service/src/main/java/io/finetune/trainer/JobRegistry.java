package io.finetune.trainer;

import jakarta.inject.Singleton;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

/**
 * The jobs running on this instance. A CANCEL is recorded in object storage (see {@link WorkQueue}) and applied here by
 * the lease heartbeat, so it reaches a job whichever trainer runs it; a resend of a job that ended CANCELLED finds
 * its final state and is not run again.
 */
@Singleton
public class JobRegistry {
    private final Map<String, RunningJob> running = new ConcurrentHashMap<>();

    /** One job on a worker thread; the flags are read by the training loop at every batch boundary. */
    public static final class RunningJob {
        private final WorkQueue.Entry entry;
        private volatile JobLeases.Lease lease;
        private volatile long renewedNanos;
        private volatile String cancelReason;
        private volatile String stopReason;
        private volatile boolean leaseLost;

        RunningJob(WorkQueue.Entry entry, JobLeases.Lease lease) {
            this.entry = entry;
            this.lease = lease;
            this.renewedNanos = System.nanoTime();
        }

        public String jobId() {
            return entry.jobId();
        }

        public WorkQueue.Entry entry() {
            return entry;
        }

        public JobLeases.Lease lease() {
            return lease;
        }

        void renewed(JobLeases.Lease next) {
            lease = next;
            renewedNanos = System.nanoTime();
        }

        long renewedNanos() {
            return renewedNanos;
        }

        /** Another trainer holds a newer lease: this one must neither renew nor release it. */
        void leaseLost(String reason) {
            leaseLost = true;
            stop(reason);
        }

        boolean hasLostLease() {
            return leaseLost;
        }

        /** A user's CANCEL: the job ends CANCELLED. */
        public Optional<String> cancelReason() {
            return Optional.ofNullable(cancelReason);
        }

        /** This instance lets go (shutdown, lease lost): the job stays RUNNING for whoever resumes it. */
        public Optional<String> stopReason() {
            return Optional.ofNullable(stopReason);
        }

        public boolean shouldStop() {
            return cancelReason != null || stopReason != null;
        }

        void cancel(String reason) {
            cancelReason = reason;
        }

        void stop(String reason) {
            stopReason = reason;
        }
    }

    public RunningJob register(WorkQueue.Entry entry, JobLeases.Lease lease) {
        RunningJob job = new RunningJob(entry, lease);
        if (running.putIfAbsent(entry.jobId(), job) != null) {
            throw new IllegalStateException("expected job " + entry.jobId() + " not running here, found it running");
        }
        return job;
    }

    /** Applies a CANCEL to the job if it runs here. */
    public boolean cancel(String jobId, String reason) {
        RunningJob job = running.get(jobId);
        if (job != null) {
            job.cancel(reason);
            return true;
        }
        return false;
    }

    public Optional<RunningJob> running(String jobId) {
        return Optional.ofNullable(running.get(jobId));
    }

    public List<RunningJob> all() {
        return List.copyOf(running.values());
    }

    public int size() {
        return running.size();
    }

    public void remove(RunningJob job) {
        running.remove(job.jobId(), job);
    }

    public void stopAll(String reason) {
        running.values().forEach(j -> j.stop(reason));
    }
}
