package io.finetune.trainer;

import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.JobStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The trainer's meters, named as the dashboards expect: {@code finetune_trainer_jobs_total{kind,state}},
 * {@code finetune_trainer_jobs_running}, {@code finetune_trainer_epoch_seconds{kind}}, per-job gauges
 * {@code finetune_trainer_{validation_accuracy,train_accuracy,epoch,images_per_second}{job,model,kind}},
 * {@code finetune_trainer_phase{job,model,kind}} ({@link #phaseCode}), {@code
 * finetune_trainer_feature_cache_progress{job,model,kind}} (0 to 1), {@code finetune_trainer_feature_cache_seconds}
 * and {@code finetune_trainer_checkpoint_{save,restore}_seconds}; of the shared work queue, as this instance last saw it:
 * {@code finetune_trainer_queue_pending} (jobs nobody holds a live lease on), {@code finetune_trainer_queue_oldest_
 * pending_seconds}, {@code finetune_trainer_job_wait_seconds} (command record to claim, first claims only) and
 * {@code finetune_trainer_takeovers_total} (jobs taken over from a trainer whose lease expired) and the alert threshold
 * {@code finetune_trainer_queue_wait_alert_seconds}. Per-job gauges of the last {@link #JOBS_KEPT} jobs are
 * kept so a scrape after a short job still sees its last values; older ones are removed to bound the series.
 */
@Singleton
public class TrainerMetrics {
    static final int JOBS_KEPT = 20;

    private final MeterRegistry registry;
    private final AtomicInteger running = new AtomicInteger();
    private final Timer checkpointSave;
    private final Timer checkpointRestore;
    private final Timer featureCache;
    private final Timer jobWait;
    private final io.micrometer.core.instrument.Counter takeovers;
    private final AtomicInteger queuePending = new AtomicInteger();
    private volatile double oldestPendingSeconds;
    private final Map<String, JobGauges> jobs = new LinkedHashMap<>();

    private static final class JobGauges {
        volatile double validationAccuracy = Double.NaN;
        volatile double trainAccuracy = Double.NaN;
        volatile double epoch;
        volatile double imagesPerSecond;
        volatile double phase;
        volatile double cacheProgress;
        final List<Meter> meters = new ArrayList<>();
    }

    public TrainerMetrics(MeterRegistry registry, WorkQueueConfiguration queue) {
        this.registry = registry;
        double waitAlertSeconds = queue.waitAlert().toMillis() / 1000.0;
        Gauge.builder("finetune.trainer.queue.wait.alert.seconds", () -> waitAlertSeconds)
                .description("a job pending longer than this raises the FinetuneJobsWaiting alert "
                        + "(finetune.trainer.queue.wait-alert)").register(registry);
        Gauge.builder("finetune.trainer.jobs.running", running, AtomicInteger::get)
                .description("training jobs running on this instance").register(registry);
        checkpointSave = Timer.builder("finetune.trainer.checkpoint.save.seconds")
                .description("writing one epoch's checkpoint to object storage").publishPercentileHistogram()
                .register(registry);
        checkpointRestore = Timer.builder("finetune.trainer.checkpoint.restore.seconds")
                .description("restoring a job's newest checkpoint from object storage").publishPercentileHistogram()
                .register(registry);
        featureCache = Timer.builder("finetune.trainer.feature.cache.seconds")
                .description("computing the frozen layers' outputs of every training view and validation image, "
                        + "once per job run").publishPercentileHistogram().register(registry);
        Gauge.builder("finetune.trainer.queue.pending", queuePending, AtomicInteger::get)
                .description("queued jobs without a live lease (waiting for a trainer), at this instance's last scan")
                .register(registry);
        Gauge.builder("finetune.trainer.queue.oldest.pending.seconds", this, m -> m.oldestPendingSeconds)
                .description("age of the oldest queued job without a live lease, at this instance's last scan")
                .register(registry);
        jobWait = Timer.builder("finetune.trainer.job.wait.seconds")
                .description("from a job's command record to its first claim by a trainer")
                .publishPercentileHistogram().register(registry);
        takeovers = io.micrometer.core.instrument.Counter.builder("finetune.trainer.takeovers")
                .description("jobs this instance took over from a trainer whose lease expired").register(registry);
        for (JobKind kind : List.of(JobKind.BASE, JobKind.FINETUNE, JobKind.SCRATCH)) {
            for (JobStatus state : List.of(JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)) {
                jobsCounter(kind, state);
            }
            epochTimer(kind);
        }
    }

    public void jobStarted() {
        running.incrementAndGet();
    }

    public void jobStopped() {
        running.decrementAndGet();
    }

    public void jobFinished(JobKind kind, JobStatus state) {
        jobsCounter(kind, state).increment();
    }

    public void epoch(String jobId, String model, JobKind kind, EpochMetrics m) {
        epochTimer(kind).record(Duration.ofNanos((long) (m.seconds() * 1e9)));
        JobGauges g = gauges(jobId, model, kind);
        g.validationAccuracy = m.validationAccuracy();
        g.trainAccuracy = m.trainAccuracy();
        g.epoch = m.epoch();
        g.imagesPerSecond = m.imagesPerSecond();
        g.phase = phaseCode(m.phase());
    }

    /**
     * The phase a job is in, as a number the dashboards map back to a name: 0 caching frozen features, 1 training
     * (BASE, SCRATCH), 2 the head of a FINETUNE, 3 its unfreeze phase.
     */
    static double phaseCode(String phase) {
        return switch (phase == null ? "" : phase) {
            case "train" -> 1;
            case "head" -> 2;
            case "unfreeze" -> 3;
            default -> 0;
        };
    }

    /** Frozen features cached for a share of the images; the job is in the caching phase until they all are. */
    public void featureCaching(String jobId, String model, JobKind kind, double progress) {
        JobGauges g = gauges(jobId, model, kind);
        g.cacheProgress = progress;
        if (progress < 1) {
            g.phase = 0;
        }
    }

    /** The queue as the last scan saw it. */
    public void queueScanned(int pending, double oldestPendingSeconds) {
        queuePending.set(pending);
        this.oldestPendingSeconds = oldestPendingSeconds;
    }

    public void jobClaimed(Duration waited, boolean tookOver) {
        if (tookOver) {
            takeovers.increment();
        } else {
            jobWait.record(waited.isNegative() ? Duration.ZERO : waited);
        }
    }

    public Timer featureCache() {
        return featureCache;
    }

    public Timer checkpointSave() {
        return checkpointSave;
    }

    public Timer checkpointRestore() {
        return checkpointRestore;
    }

    private io.micrometer.core.instrument.Counter jobsCounter(JobKind kind, JobStatus state) {
        return io.micrometer.core.instrument.Counter.builder("finetune.trainer.jobs")
                .description("training jobs that reached a final state")
                .tags("kind", label(kind), "state", state.name().toLowerCase(Locale.ROOT)).register(registry);
    }

    private Timer epochTimer(JobKind kind) {
        return Timer.builder("finetune.trainer.epoch.seconds").description("duration of one training epoch")
                .tags("kind", label(kind)).publishPercentileHistogram().register(registry);
    }

    private synchronized JobGauges gauges(String jobId, String model, JobKind kind) {
        JobGauges existing = jobs.get(jobId);
        if (existing != null) {
            return existing;
        }
        JobGauges g = new JobGauges();
        Tags tags = Tags.of("job", jobId, "model", model, "kind", label(kind));
        g.meters.add(Gauge.builder("finetune.trainer.validation.accuracy", g, x -> x.validationAccuracy)
                .tags(tags).register(registry));
        g.meters.add(Gauge.builder("finetune.trainer.train.accuracy", g, x -> x.trainAccuracy)
                .tags(tags).register(registry));
        g.meters.add(Gauge.builder("finetune.trainer.epoch", g, x -> x.epoch).tags(tags).register(registry));
        g.meters.add(Gauge.builder("finetune.trainer.images.per.second", g, x -> x.imagesPerSecond)
                .tags(tags).register(registry));
        g.meters.add(Gauge.builder("finetune.trainer.phase", g, x -> x.phase).tags(tags)
                .description("0 caching frozen features, 1 train, 2 head, 3 unfreeze").register(registry));
        g.meters.add(Gauge.builder("finetune.trainer.feature.cache.progress", g, x -> x.cacheProgress).tags(tags)
                .description("share of the images whose frozen features are cached").register(registry));
        jobs.put(jobId, g);
        while (jobs.size() > JOBS_KEPT) {
            String oldest = jobs.keySet().iterator().next();
            jobs.remove(oldest).meters.forEach(registry::remove);
        }
        return g;
    }

    static String label(JobKind kind) {
        return kind == null ? "unknown" : kind.name().toLowerCase(Locale.ROOT);
    }
}
