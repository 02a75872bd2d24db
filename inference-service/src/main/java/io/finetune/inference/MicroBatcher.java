package io.finetune.inference;

import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.Prediction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Lets concurrent single-image requests share one network pass: a worker takes the first waiting request, then
 * collects more until it holds {@code maxSize} or {@code maxWait} has passed since the first, and predicts them as
 * one batch. An image the model rejects fails only its own request (the batch is retried image by image).
 */
final class MicroBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatcher.class);
    private static final long IDLE_POLL_MILLIS = 100;

    private final ImageClassifier classifier;
    private final int maxSize;
    private final long maxWaitNanos;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    MicroBatcher(ImageClassifier classifier, String name, int maxSize, Duration maxWait, int workerCount) {
        this.classifier = classifier;
        this.maxSize = maxSize;
        this.maxWaitNanos = maxWait.toNanos();
        for (int i = 0; i < workerCount; i++) {
            Thread t = new Thread(this::work, "micro-batch-" + name + "-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    Prediction predict(byte[] image, int topK) throws ImageRejectedException {
        Pending pending = new Pending(image, topK, new CompletableFuture<>());
        if (closed) {
            throw new IllegalStateException("expected an open micro-batcher, found it closed");
        }
        queue.add(pending);
        try {
            return pending.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a micro-batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ImageRejectedException rejected) {
                throw rejected;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("micro-batch failed: " + e.getCause(), e.getCause());
        }
    }

    private void work() {
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Pending> batch = new ArrayList<>(maxSize);
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxSize) {
                    long left = deadline - System.nanoTime();
                    Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("micro-batch worker failed; continuing", e);
            }
        }
    }

    private void run(List<Pending> batch) {
        List<byte[]> images = new ArrayList<>(batch.size());
        int topK = 1;
        for (Pending p : batch) {
            images.add(p.image);
            topK = Math.max(topK, p.topK);
        }
        try {
            List<Prediction> predictions = classifier.predictBatch(images, topK);
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                Prediction full = predictions.get(i);
                p.result.complete(new Prediction(List.copyOf(full.top().subList(0, Math.min(p.topK,
                        full.top().size()))), full.preprocessMillis(), full.inferenceMillis()));
            }
        } catch (ImageRejectedException rejected) {
            if (batch.size() == 1) {
                batch.get(0).result.completeExceptionally(rejected);
                return;
            }
            for (Pending p : batch) {
                try {
                    p.result.complete(classifier.predict(p.image, p.topK));
                } catch (ImageRejectedException | RuntimeException e) {
                    p.result.completeExceptionally(e);
                }
            }
        } catch (RuntimeException e) {
            batch.forEach(p -> p.result.completeExceptionally(e));
        }
    }

    /** Stops the workers once the queue is drained (callers hold leases, so it is empty when a model retires). */
    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private record Pending(byte[] image, int topK, CompletableFuture<Prediction> result) {
    }
}
