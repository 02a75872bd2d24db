package io.finetune.dataset;

import io.finetune.contracts.ObjectLayout;
import io.finetune.imaging.DecodeLimits;
import io.finetune.imaging.ImageDecoder;
import io.finetune.service.ObjectStore;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts ingests: lists the source at once (so layout errors and forbidden links are answered to the caller), then
 * reserves a version and runs the rest in the background, decoding on a pool of one thread per core and uploading
 * on a separate bounded pool so that decoding, not storage round trips, sets the pace.
 */
@Singleton
public class DatasetIngester implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DatasetIngester.class);
    private static final int KEPT_FINISHED_JOBS = 256;

    private final ObjectStore store;
    private final VersionReservations reservations;
    private final DatasetEvents events;
    private final IngestMetrics metrics;
    private final DatasetConfiguration configuration;
    private final ImageDecoder decoder;
    private final ExecutorService runners;
    private final ExecutorService decoders;
    private final ExecutorService uploaders;
    private final ScheduledExecutorService heartbeats;
    private final Map<String, IngestJob> jobs = new LinkedHashMap<>();

    public DatasetIngester(ObjectStore store, VersionReservations reservations, DatasetEvents events,
                           IngestMetrics metrics, DatasetConfiguration configuration) {
        this.store = store;
        this.reservations = reservations;
        this.events = events;
        this.metrics = metrics;
        this.configuration = configuration;
        this.decoder = new ImageDecoder(new DecodeLimits(configuration.maxImageBytes(),
                configuration.maxImagePixels()));
        this.runners = Executors.newFixedThreadPool(configuration.concurrentIngests(), named("ingest"));
        this.decoders = Executors.newFixedThreadPool(configuration.effectiveDecodeThreads(), named("ingest-decode"));
        this.uploaders = Executors.newFixedThreadPool(configuration.uploadThreads(), named("ingest-upload"));
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(named("ingest-heartbeat"));
    }

    /**
     * Lists {@code root} (throwing for bad layouts or forbidden links), reserves a version and ingests in the
     * background; {@code afterwards} runs when the ingest ends either way (for example to delete an extracted
     * upload).
     */
    public IngestJob start(String name, Path root, String source, IngestOptions options, SourceScanner scanner,
                           Runnable afterwards) throws Exception {
        ObjectLayout.requireName("dataset name", name);
        SourceListing listing = scanner.scan(root);
        if (listing.files().isEmpty()) {
            throw new IllegalArgumentException("expected class folders of images (<class>/<image>), "
                    + "split folders (train|valid|test/<class>/<image>) or labels.csv under " + source
                    + ", found no image files");
        }
        String version = reservations.reserve(name, source);
        IngestJob job = new IngestJob(name, version, source, options, listing.files().size());
        register(job);
        LOG.info("ingest of dataset {} version {} from {} accepted: {} files", name, version, source,
                listing.files().size());
        runners.submit(() -> run(job, listing, afterwards));
        return job;
    }

    private void run(IngestJob job, SourceListing listing, Runnable afterwards) {
        metrics.started();
        long t0 = System.nanoTime();
        var heartbeat = heartbeats.scheduleAtFixedRate(() -> beat(job), configuration.heartbeatInterval().toMillis(),
                configuration.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        try {
            new IngestRun(job, listing, store, reservations, events, metrics, new ImageProcessor(decoder,
                    job.timings()), decoders, uploaders, configuration.uploadThreads(),
                    configuration.shardBytes()).run();
        } catch (Throwable e) {
            LOG.error("ingest of dataset {} version {} failed in an unexpected way", job.name(), job.version(), e);
            if (job.state() == IngestState.INGESTING) {
                // Its objects stay behind an unowned marker: the sweep removes them.
                reservations.announceLater(job.name(), job.version());
                job.failed("ingest failed: an internal error (in the dataset service's log under dataset "
                        + job.name() + " version " + job.version() + ")");
            }
        } finally {
            heartbeat.cancel(false);
            metrics.finished(java.time.Duration.ofNanos(System.nanoTime() - t0));
            afterwards.run();
        }
    }

    private void beat(IngestJob job) {
        try {
            if (job.state() == IngestState.INGESTING) {
                reservations.heartbeat(job.name(), job.version(), job.source(), job.startedAt(), job.processed(),
                        job.total());
            }
        } catch (RuntimeException e) {
            LOG.warn("heartbeat of dataset {} version {} failed: {}", job.name(), job.version(), e.getMessage());
        }
    }

    private synchronized void register(IngestJob job) {
        jobs.put(job.name() + "/" + job.version(), job);
        if (jobs.size() > KEPT_FINISHED_JOBS) {
            jobs.values().stream().filter(j -> j.state() != IngestState.INGESTING)
                    .min(Comparator.comparing(IngestJob::startedAt))
                    .ifPresent(j -> jobs.remove(j.name() + "/" + j.version()));
        }
    }

    public synchronized Optional<IngestJob> job(String name, String version) {
        return Optional.ofNullable(jobs.get(name + "/" + version));
    }

    public synchronized List<IngestJob> jobs(String name) {
        return jobs.values().stream().filter(j -> j.name().equals(name)).toList();
    }

    public synchronized List<String> jobNames() {
        return jobs.values().stream().map(IngestJob::name).distinct().toList();
    }

    @PreDestroy
    @Override
    public void close() {
        runners.shutdownNow();
        decoders.shutdownNow();
        uploaders.shutdownNow();
        heartbeats.shutdownNow();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
