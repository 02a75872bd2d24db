package io.finetune.dataset;

import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The stored images of one ingest, packed into shards that upload in parallel while decoding goes on, with at most
 * {@code maxPendingUploads} shards in memory waiting for their upload (packing waits beyond). Thread-safe: decoders
 * pack concurrently.
 */
final class ShardUploads {
    private static final Logger LOG = LoggerFactory.getLogger(ShardUploads.class);

    private final IngestJob job;
    private final ObjectStore store;
    private final IngestMetrics metrics;
    private final ExecutorService uploaders;
    private final Semaphore uploadSlots;
    private final ShardPacker packer;
    private final List<Future<?>> uploads = new ArrayList<>();
    private volatile boolean aborted;

    ShardUploads(IngestJob job, ObjectStore store, IngestMetrics metrics, ExecutorService uploaders,
                 int maxPendingUploads, long shardBytes) {
        this.job = job;
        this.store = store;
        this.metrics = metrics;
        this.uploaders = uploaders;
        this.uploadSlots = new Semaphore(maxPendingUploads);
        this.packer = new ShardPacker(i -> ObjectLayout.datasetShard(job.name(), job.version(), i), shardBytes);
    }

    /** Packs one stored image; uploads the shard it completed, if any (waiting while too many are pending). */
    ShardPacker.Slice pack(String sha256, byte[] bytes) throws InterruptedException {
        ShardPacker.Added added = packer.add(sha256, bytes);
        if (added.sealed() != null) {
            upload(added.sealed());
        }
        return added.slice();
    }

    /** Uploads the last, partly filled shards and waits for every upload; the first failure is thrown. */
    void finish() throws Exception {
        for (ShardPacker.Sealed last : packer.flush()) {
            upload(last);
        }
        job.phase("uploading", pending().size());
        for (Future<?> f : pending()) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    /** After a failure: every later {@link #pack} that completes a shard throws instead of uploading it. */
    void abort() {
        aborted = true;
    }

    /** After {@link #abort}: waits until the running uploads stop writing (their failures are not reported). */
    void awaitStopped() {
        for (Future<?> f : pending()) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | RuntimeException ignored) {
                // the failure that matters is reported already; this only waits for writes to stop
            }
        }
    }

    /**
     * Shards that hold bytes no kept image points at (a class rejected as too small after packing) are rewritten
     * without them, so that a version stores exactly its images; returns the kept images with their new slices.
     */
    List<DatasetImage> withoutOrphanBytes(List<DatasetImage> kept, List<DatasetImage> orphans) {
        Set<ShardPacker.Slice> keptSlices = new HashSet<>();
        kept.forEach(i -> keptSlices.add(slice(i)));
        Set<String> shards = new TreeSet<>();
        for (DatasetImage o : orphans) {
            if (!keptSlices.contains(slice(o))) {
                shards.add(o.shard());
            }
        }
        if (shards.isEmpty()) {
            return kept;
        }
        Map<ShardPacker.Slice, ShardPacker.Slice> moved = new HashMap<>();
        for (String shard : shards) {
            List<ShardPacker.Slice> stay = keptSlices.stream().filter(s -> s.shard().equals(shard)).toList();
            if (!stay.isEmpty()) {
                byte[] bytes = store.get(shard).orElseThrow(() -> new IllegalStateException("expected shard "
                        + shard + " written by this ingest, found none"));
                ShardPacker.Repacked r = ShardPacker.repack(shard, bytes, stay, packer.nextKey());
                store.put(r.shard().key(), r.shard().bytes(), "application/octet-stream");
                moved.putAll(r.moved());
            }
            store.delete(shard);
        }
        LOG.info("dataset {} version {}: rewrote {} shard(s) without the images of rejected classes", job.name(),
                job.version(), shards.size());
        List<DatasetImage> out = new ArrayList<>(kept.size());
        for (DatasetImage i : kept) {
            ShardPacker.Slice to = moved.get(slice(i));
            out.add(to == null ? i : new DatasetImage(i.key(), i.className(), i.split(), i.sha256(), i.width(),
                    i.height(), i.sourceFile(), i.augmentedFrom(), i.augmentation(), to.shard(), to.offset(),
                    to.length()));
        }
        return out;
    }

    private void upload(ShardPacker.Sealed shard) throws InterruptedException {
        String key = shard.key();
        byte[] bytes = shard.bytes();
        if (aborted) {
            throw new IllegalStateException("ingest aborted");
        }
        uploadSlots.acquire();
        Future<?> f;
        try {
            f = uploaders.submit(() -> {
                try {
                    long t0 = System.nanoTime();
                    store.put(key, bytes, "application/octet-stream");
                    job.timings().upload(System.nanoTime() - t0);
                    metrics.stored(bytes.length);
                } finally {
                    uploadSlots.release();
                }
            });
        } catch (RuntimeException e) {
            uploadSlots.release();
            throw e;
        }
        synchronized (uploads) {
            uploads.add(f);
        }
    }

    private List<Future<?>> pending() {
        synchronized (uploads) {
            return new ArrayList<>(uploads);
        }
    }

    private static ShardPacker.Slice slice(DatasetImage i) {
        return new ShardPacker.Slice(i.shard(), i.offset(), i.length());
    }
}
