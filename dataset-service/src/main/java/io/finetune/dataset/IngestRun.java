package io.finetune.dataset;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.DatasetSummary;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.RejectReason;
import io.finetune.contracts.RejectedFile;
import io.finetune.contracts.Split;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.service.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * One ingest, start to end: hash and de-duplicate the sources, plan splits, decode in parallel and pack the stored
 * images into shards that upload in parallel while decoding goes on, reject classes that are too small, then
 * publish (summary, manifest last) or, when the content equals an existing version, report that version and remove
 * the copy. Any failure removes every object written.
 */
final class IngestRun {
    private static final Logger LOG = LoggerFactory.getLogger(IngestRun.class);

    private final IngestJob job;
    private final SourceListing listing;
    private final ObjectStore store;
    private final VersionReservations reservations;
    private final DatasetEvents events;
    private final IngestMetrics metrics;
    private final ImageProcessor processor;
    private final ExecutorService decoders;
    private final ShardUploads shards;
    private final List<RejectedFile> rejected = new ArrayList<>();
    private final Map<String, String> shaOf = new HashMap<>();
    private final List<Future<?>> work = new ArrayList<>();
    /** Set once the manifest is written: from then on the version exists and must never be discarded. */
    private volatile DatasetSummary visible;

    /** A source file's content hash, or why it was refused before decoding. */
    private record Hashed(SourceFile file, String sha256, RejectedFile rejected) {
    }

    IngestRun(IngestJob job, SourceListing listing, ObjectStore store, VersionReservations reservations,
              DatasetEvents events, IngestMetrics metrics, ImageProcessor processor, ExecutorService decoders,
              ExecutorService uploaders, int maxPendingUploads, long shardBytes) {
        this.job = job;
        this.listing = listing;
        this.store = store;
        this.reservations = reservations;
        this.events = events;
        this.metrics = metrics;
        this.processor = processor;
        this.decoders = decoders;
        this.shards = new ShardUploads(job, store, metrics, uploaders, maxPendingUploads, shardBytes);
    }

    void run() {
        String name = job.name();
        String version = job.version();
        try {
            rejected.addAll(listing.rejected());
            List<SourceFile> unique = deduplicate(hash());
            Map<String, Split> splits = planSplits(unique);
            List<IngestOutcome> outcomes = process(unique, splits);
            shards.finish();
            publish(accept(outcomes));
        } catch (Exception e) {
            if (visible != null) {
                LOG.error("dataset {} version {} is visible but its completion failed; the sweep finishes it", name,
                        version, e);
                reservations.announceLater(name, version);
                job.ready(visible, null);
                return;
            }
            String reason = e instanceof IngestFailedException || e instanceof IllegalArgumentException
                    ? e.getMessage() : "ingest failed: an internal error (in the dataset service's log under dataset "
                    + name + " version " + version + ")";
            LOG.warn("ingest of dataset {} version {} failed: {}", name, version, reason, e);
            cancelAndAwaitUploads();
            try {
                reservations.discard(name, version);
            } catch (RuntimeException cleanup) {
                LOG.error("could not remove the partial version {} of dataset {}; it is swept later", version, name,
                        cleanup);
            }
            job.failed(reason);
            events.failed(name, version, reason);
        }
    }

    private List<Hashed> hash() throws Exception {
        List<SourceFile> files = listing.files();
        job.phase("hashing", files.size());
        long maxBytes = processor.maxBytes();
        List<Future<Hashed>> futures = new ArrayList<>();
        for (SourceFile file : files) {
            futures.add(submit(() -> {
                long size = Files.size(file.path());
                Hashed h;
                if (size > maxBytes) {
                    h = new Hashed(file, null, new RejectedFile(file.name(), RejectReason.TOO_LARGE, "expected at most "
                            + maxBytes + " bytes, found " + size));
                } else {
                    h = new Hashed(file, Hashes.sha256(read(file)), null);
                }
                job.advance();
                return h;
            }));
        }
        List<Hashed> hashed = new ArrayList<>();
        for (Future<Hashed> f : futures) {
            hashed.add(get(f));
        }
        return hashed;
    }

    /** Keeps the first file (by name) of each content; later ones are reported as duplicates. */
    private List<SourceFile> deduplicate(List<Hashed> hashed) {
        Map<String, SourceFile> first = new HashMap<>();
        List<SourceFile> unique = new ArrayList<>();
        for (Hashed h : hashed) {
            if (h.rejected() != null) {
                reject(h.rejected());
                continue;
            }
            shaOf.put(h.file().name(), h.sha256());
            SourceFile kept = first.putIfAbsent(h.sha256(), h.file());
            if (kept == null) {
                unique.add(h.file());
            } else {
                reject(new RejectedFile(h.file().name(), RejectReason.DUPLICATE, "same content (sha256 "
                        + h.sha256().substring(0, 12) + "...) as " + kept.name() + ", stored once"
                        + (kept.className().equals(h.file().className()) ? "" : " under class '" + kept.className()
                        + "' (this copy is labelled '" + h.file().className() + "')")));
            }
        }
        return unique;
    }

    private Map<String, Split> planSplits(List<SourceFile> unique) {
        SortedMap<String, List<SplitPlanner.Item>> byClass = new TreeMap<>();
        for (SourceFile f : unique) {
            byClass.computeIfAbsent(f.className(), c -> new ArrayList<>())
                    .add(new SplitPlanner.Item(shaOf.get(f.name()), f.given()));
        }
        return SplitPlanner.plan(byClass, job.options());
    }

    private List<IngestOutcome> process(List<SourceFile> unique, Map<String, Split> splits) throws Exception {
        job.phase("decoding", unique.size());
        List<Future<IngestOutcome>> futures = new ArrayList<>();
        for (SourceFile file : unique) {
            Split split = splits.get(shaOf.get(file.name()));
            futures.add(submit(() -> {
                IngestOutcome o = processOne(file, split);
                job.advance();
                return o;
            }));
        }
        List<IngestOutcome> outcomes = new ArrayList<>();
        for (Future<IngestOutcome> f : futures) {
            outcomes.add(get(f));
        }
        return outcomes;
    }

    private IngestOutcome processOne(SourceFile file, Split split) throws Exception {
        long t0 = System.nanoTime();
        byte[] source = read(file);
        job.timings().read(System.nanoTime() - t0);
        ImageProcessor.Processed p;
        try {
            p = processor.process(source, job.options());
        } catch (ImageRejectedException e) {
            return IngestOutcome.refused(file, new RejectedFile(file.name(), e.reason(), e.getMessage()));
        }
        List<DatasetImage> images = new ArrayList<>();
        String key = ObjectLayout.datasetImage(job.name(), job.version(), split, file.className(), p.sha256(),
                p.extension());
        ShardPacker.Slice slice = shards.pack(p.sha256(), p.bytes());
        images.add(new DatasetImage(key, file.className(), split, p.sha256(), p.width(), p.height(), file.name(),
                null, null, slice.shard(), slice.offset(), slice.length()));
        if (split == Split.TRAIN) {
            for (int copy = 0; copy < job.options().augmentCopies(); copy++) {
                long a0 = System.nanoTime();
                Augmenter.Copy c = Augmenter.augment(p.pixels(), job.options().seed(), p.sha256(), copy);
                byte[] jpeg = ImageProcessor.jpeg(c.image());
                String sha = Hashes.sha256(jpeg);
                job.timings().augment(System.nanoTime() - a0);
                String augKey = ObjectLayout.datasetImage(job.name(), job.version(), split, file.className(), sha,
                        "jpg");
                ShardPacker.Slice augSlice = shards.pack(sha, jpeg);
                images.add(new DatasetImage(augKey, file.className(), split, sha, c.image().getWidth(),
                        c.image().getHeight(), file.name(), p.sha256(), c.description(), augSlice.shard(),
                        augSlice.offset(), augSlice.length()));
            }
        }
        return new IngestOutcome(file, images, null);
    }

    private <T> Future<T> submit(java.util.concurrent.Callable<T> task) {
        Future<T> f = decoders.submit(task);
        synchronized (work) {
            work.add(f);
        }
        return f;
    }

    /** The rules that need every outcome ({@link ClassAcceptance}); rejected bytes are cut out of the shards. */
    private List<DatasetImage> accept(List<IngestOutcome> outcomes) throws IngestFailedException {
        job.phase("checking", outcomes.size());
        ClassAcceptance.Accepted accepted = ClassAcceptance.accept(outcomes, job.options().minImagesPerClass(),
                rejected.size());
        accepted.rejections().forEach(this::reject);
        return shards.withoutOrphanBytes(accepted.images(), accepted.orphans());
    }

    private void publish(List<DatasetImage> images) {
        String name = job.name();
        String version = job.version();
        job.phase("publishing", images.size());
        String fingerprint = fingerprint(images);
        rejected.sort(Comparator.comparing(RejectedFile::file).thenComparing(r -> r.reason().name()));
        Optional<DatasetSummary> same = identicalVersion(fingerprint);
        if (same.isPresent()) {
            LOG.info("dataset {} ingest {} has the content of version {} (fingerprint {}); no new version", name,
                    version, same.get().version(), fingerprint);
            reservations.discard(name, version);
            job.ready(same.get(), same.get().version());
            events.ready(same.get());
            return;
        }
        TreeSet<String> classes = new TreeSet<>();
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        for (Split split : Split.values()) {
            counts.put(split.key(), new TreeMap<>());
        }
        for (DatasetImage i : images) {
            classes.add(i.className());
            counts.get(i.split().key()).merge(i.className(), 1, Integer::sum);
        }
        int duplicates = (int) rejected.stream().filter(r -> r.reason() == RejectReason.DUPLICATE).count();
        DatasetSummary summary = new DatasetSummary(DatasetSummary.SCHEMA_VERSION, name, version, fingerprint,
                List.copyOf(classes), counts, images.size(), duplicates, List.copyOf(rejected), Instant.now(),
                job.source(), job.options().seed());
        store.putJson(ObjectLayout.datasetSummary(name, version), summary);
        store.put(ObjectLayout.datasetManifest(name, version), manifest(images), "application/x-ndjson");
        visible = summary;
        metrics.ingested(name, (int) images.stream().filter(i -> i.augmentedFrom() == null).count());
        LOG.info("dataset {} version {} ready: {} images, {} rejected, {} duplicates, fingerprint {}", name, version,
                images.size(), rejected.size() - duplicates, duplicates, fingerprint);
        if (events.ready(summary)) {
            reservations.complete(name, version);
        } else {
            reservations.announceLater(name, version);
        }
        job.ready(summary, null);
    }

    private Optional<DatasetSummary> identicalVersion(String fingerprint) {
        for (String v : reservations.versions(job.name())) {
            if (v.equals(job.version()) || !reservations.visible(job.name(), v)) {
                continue;
            }
            Optional<DatasetSummary> s = store.getJson(ObjectLayout.datasetSummary(job.name(), v),
                    DatasetSummary.class);
            if (s.isPresent() && fingerprint.equals(s.get().fingerprint())) {
                return s;
            }
        }
        return Optional.empty();
    }

    /** Hash of what the version holds (split, class, content, lineage), independent of name, version and order. */
    static String fingerprint(List<DatasetImage> images) {
        var digest = Hashes.digest();
        images.stream().map(i -> i.split().key() + "\t" + i.className() + "\t" + i.sha256() + "\t"
                        + (i.augmentedFrom() == null ? "" : i.augmentedFrom() + "\t" + i.augmentation()) + "\n")
                .sorted().forEach(line -> digest.update(line.getBytes(StandardCharsets.UTF_8)));
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    private static byte[] manifest(List<DatasetImage> images) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(images.size() * 256);
        for (DatasetImage i : images) {
            out.writeBytes(ContractCodec.encode(i));
            out.write('\n');
        }
        return out.toByteArray();
    }

    private void reject(RejectedFile r) {
        rejected.add(r);
        metrics.rejected(r.reason());
    }

    private void cancelAndAwaitUploads() {
        shards.abort();
        synchronized (work) {
            work.forEach(f -> f.cancel(true));
        }
        shards.awaitStopped();
    }

    private static byte[] read(SourceFile file) throws IOException {
        return Files.readAllBytes(file.path());
    }

    private static <T> T get(Future<T> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
