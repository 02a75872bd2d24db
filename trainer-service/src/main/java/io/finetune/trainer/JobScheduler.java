package io.finetune.trainer;

import io.finetune.contracts.JobCancelRequest;
import io.finetune.contracts.TrainingCommand;
import io.finetune.service.StorageException;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs queued jobs on this instance: whenever a slot is free it claims the oldest job in the {@link WorkQueue} that
 * nobody holds a live lease on (a new job, or one whose trainer died), and while a job trains it renews the job's
 * lease and looks for a recorded CANCEL every heartbeat. A job leaves the queue only once its state is final.
 */
@Singleton
public class JobScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(JobScheduler.class);
    private static final long RETRY_LATER_MILLIS = 5_000;

    private final WorkQueue queue;
    private final JobLeases leases;
    private final JobRunner runner;
    private final JobRegistry registry;
    private final TrainerMetrics metrics;
    private final TrainerConfiguration configuration;
    private final WorkQueueConfiguration queueConfiguration;
    /** Jobs this instance let go after a fault, not claimed again here before the time given. */
    private final Map<String, Long> notBefore = new ConcurrentHashMap<>();
    private ExecutorService workers;
    private ScheduledExecutorService timers;
    private volatile boolean running;

    public JobScheduler(WorkQueue queue, JobLeases leases, JobRunner runner, JobRegistry registry,
                        TrainerMetrics metrics, TrainerConfiguration configuration,
                        WorkQueueConfiguration queueConfiguration) {
        this.queue = queue;
        this.leases = leases;
        this.runner = runner;
        this.registry = registry;
        this.metrics = metrics;
        this.configuration = configuration;
        this.queueConfiguration = queueConfiguration;
    }

    @EventListener
    public synchronized void onStartup(StartupEvent event) {
        if (running) {
            return;
        }
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(configuration.maxConcurrentJobs(), r -> {
            Thread t = new Thread(r, "trainer-job-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "trainer-queue-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        running = true;
        timers.scheduleWithFixedDelay(this::claimSafely, 0, queueConfiguration.claimInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::heartbeat, queueConfiguration.heartbeat().toMillis(),
                queueConfiguration.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("claiming queued jobs ({} at a time, owner {}, lease ttl {}, heartbeat {})",
                configuration.maxConcurrentJobs(), configuration.owner(), queueConfiguration.leaseTtl(),
                queueConfiguration.heartbeat());
    }

    /** Stops claiming, stops the running jobs at their next batch and gives their leases back for a quick takeover. */
    @PreDestroy
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        registry.stopAll("this instance is shutting down");
        timers.shutdown();
        workers.shutdown();
        try {
            workers.awaitTermination(60, TimeUnit.SECONDS);
            timers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void claimSafely() {
        try {
            claim();
        } catch (RuntimeException e) {
            LOG.warn("cannot scan the job queue ({}); retrying", e.toString());
        }
    }

    /** One scan, oldest first: counts the pending jobs and claims as many as there are free slots. */
    void claim() {
        if (!running) {
            return;
        }
        List<WorkQueue.Entry> entries = queue.entries();
        leases.retainSightings(entries.stream().map(WorkQueue.Entry::jobId).toList());
        long now = System.currentTimeMillis();
        notBefore.values().removeIf(t -> t <= now);
        int pending = 0;
        long oldestPending = -1;
        for (WorkQueue.Entry entry : entries) {
            if (registry.running(entry.jobId()).isPresent()) {
                continue;
            }
            boolean free = registry.size() < configuration.maxConcurrentJobs() && running
                    && !notBefore.containsKey(entry.jobId());
            JobLeases.Claim claim = free ? leases.tryAcquire(entry.jobId()) : leases.peek(entry.jobId());
            if (claim.lease().isPresent()) {
                start(entry, claim.lease().get());
            } else if (!claim.held()) {
                pending++;
                if (oldestPending < 0) {
                    oldestPending = entry.submittedMillis();
                }
            }
        }
        metrics.queueScanned(pending, oldestPending < 0 ? 0 : (now - oldestPending) / 1000.0);
    }

    private void start(WorkQueue.Entry entry, JobLeases.Lease lease) {
        Optional<byte[]> bytes = queue.command(entry);
        if (bytes.isEmpty()) {
            leases.release(lease); // finished and removed since the scan listed it
            return;
        }
        TrainingCommand command;
        String invalid = null;
        DecodedCommand decoded = DecodedCommand.of(bytes.get());
        if (decoded instanceof DecodedCommand.Valid v) {
            command = v.command();
        } else if (decoded instanceof DecodedCommand.Invalid i) {
            command = i.command();
            invalid = i.reason();
        } else {
            LOG.error("queue entry {} cannot be parsed ({}); removing it", entry.key(),
                    ((DecodedCommand.Unparseable) decoded).error());
            queue.remove(entry);
            leases.removeAll(entry.jobId());
            return;
        }
        JobRegistry.RunningJob job = registry.register(entry, lease);
        queue.cancelRequest(entry.jobId()).ifPresent(c -> job.cancel(c.reason()));
        Duration waited = Duration.ofMillis(System.currentTimeMillis() - entry.submittedMillis());
        metrics.jobClaimed(waited, lease.tookOver());
        LOG.info("claimed job {} ({}, queued {} s ago)", entry.jobId(),
                lease.tookOver() ? "taken over from a trainer whose lease expired" : "first claim",
                waited.toMillis() / 1000.0);
        String invalidReason = invalid;
        workers.execute(() -> {
            JobOutcome outcome;
            try {
                outcome = runner.run(command, invalidReason, job);
            } catch (RuntimeException e) {
                LOG.error("job {} ended with an unexpected error", command.jobId(), e);
                outcome = JobOutcome.RETRY_LATER;
            }
            finish(job, outcome);
        });
    }

    private void finish(JobRegistry.RunningJob job, JobOutcome outcome) {
        registry.remove(job);
        try {
            switch (outcome) {
                case FINISHED -> {
                    queue.remove(job.entry());
                    leases.removeAll(job.jobId());
                }
                case ABANDONED, RETRY_LATER -> {
                    if (outcome == JobOutcome.RETRY_LATER) {
                        notBefore.put(job.jobId(), System.currentTimeMillis() + RETRY_LATER_MILLIS);
                    }
                    if (!job.hasLostLease()) {
                        leases.release(job.lease());
                    }
                }
            }
        } catch (StorageException e) {
            // the lease expires and the next claimer finds the final state or resumes the job
            LOG.warn("job {} ended {} but its queue entry or lease could not be updated: {}", job.jobId(), outcome,
                    e.getMessage());
        }
    }

    /** Renews the leases of the jobs running here and applies recorded CANCELs. */
    private void heartbeat() {
        for (JobRegistry.RunningJob job : registry.all()) {
            if (job.hasLostLease()) {
                continue;
            }
            try {
                Optional<JobLeases.Lease> renewed = leases.renew(job.lease());
                if (renewed.isEmpty()) {
                    LOG.warn("job {}: another trainer took its lease over; stopping it here", job.jobId());
                    job.leaseLost("another trainer took its lease over");
                    continue;
                }
                job.renewed(renewed.get());
                Optional<JobCancelRequest> cancel = queue.cancelRequest(job.jobId());
                if (cancel.isPresent() && job.cancelReason().isEmpty()) {
                    LOG.info("job {}: {}; stopping it at the next batch", job.jobId(), cancel.get().reason());
                    job.cancel(cancel.get().reason());
                }
            } catch (RuntimeException e) {
                long silentNanos = System.nanoTime() - job.renewedNanos();
                if (silentNanos >= queueConfiguration.leaseTtl().toNanos()) {
                    LOG.error("job {}: its lease was not renewed for {} s ({}); stopping it, another trainer may "
                            + "take it over", job.jobId(), silentNanos / 1_000_000_000, e.toString());
                    job.leaseLost("its lease could not be renewed within the lease time to live");
                } else {
                    LOG.warn("job {}: cannot renew its lease yet ({})", job.jobId(), e.toString());
                }
            }
        }
    }
}
