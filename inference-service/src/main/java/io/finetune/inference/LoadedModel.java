package io.finetune.inference;

import io.finetune.contracts.ModelManifest;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.Prediction;
import io.micronaut.core.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded version of a model, shared by every request through {@link Lease}s. Reference counted: the registry
 * holds one reference while the version is active; each request holds one while it runs. Retiring drops the
 * registry's reference, and the classifier is closed (and its files deleted) when the last request has finished,
 * so a swap never fails a request that is already running.
 */
final class LoadedModel {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedModel.class);

    private final String name;
    private final String version;
    private final Instant loadedAt;
    private final ImageClassifier classifier;
    private final MicroBatcher batcher;
    private final Path dir;
    private final AtomicInteger references = new AtomicInteger(1);
    private final AtomicBoolean retired = new AtomicBoolean();

    LoadedModel(String name, String version, Instant loadedAt, ImageClassifier classifier,
                @Nullable MicroBatcher batcher, @Nullable Path dir) {
        this.name = name;
        this.version = version;
        this.loadedAt = loadedAt;
        this.classifier = classifier;
        this.batcher = batcher;
        this.dir = dir;
    }

    String name() {
        return name;
    }

    String version() {
        return version;
    }

    Instant loadedAt() {
        return loadedAt;
    }

    ModelManifest manifest() {
        return classifier.manifest();
    }

    int classCount() {
        return classifier.manifest().classes().size();
    }

    /** A lease, or null when this version has already been retired and closed (the caller re-reads the active one). */
    @Nullable
    Lease tryAcquire() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return null;
            }
            if (references.compareAndSet(n, n + 1)) {
                return new Lease();
            }
        }
    }

    /** Drops the registry's reference; closes now if no request is running, else when the last one finishes. */
    void retire() {
        if (retired.compareAndSet(false, true)) {
            release();
        }
    }

    boolean isClosed() {
        return references.get() == 0;
    }

    private void release() {
        if (references.decrementAndGet() == 0) {
            if (batcher != null) {
                batcher.close();
            }
            classifier.close();
            deleteFiles();
            LOG.info("closed model {} version {}", name, version);
        }
    }

    private void deleteFiles() {
        try {
            LocalFiles.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("cannot delete {} of retired model {} version {}: {}", dir, name, version, e.getMessage());
        }
    }

    /** A request's hold on this version; predictions run on it even if a newer version is activated meanwhile. */
    final class Lease implements AutoCloseable {
        private final AtomicBoolean released = new AtomicBoolean();

        LoadedModel model() {
            return LoadedModel.this;
        }

        Prediction predict(byte[] image, int topK) throws ImageRejectedException {
            return batcher != null ? batcher.predict(image, topK) : classifier.predict(image, topK);
        }

        List<Prediction> predictBatch(List<byte[]> images, int topK) throws ImageRejectedException {
            return classifier.predictBatch(images, topK);
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                release();
            }
        }
    }
}
