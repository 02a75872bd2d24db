package io.finetune.ml.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The batches of one pass over examples in a given order, assembled ahead on an executor (prefetch) while the
 * current batch trains. Augmentation draws come from a stream seeded by (seed, epoch, example), so they do not
 * depend on thread scheduling or on where a resumed run started.
 */
public final class Batches implements Iterator<Batches.Batch> {
    private static final int AHEAD = 3;

    private final Examples examples;
    private final int[] order;
    private final int batchSize;
    private final int numClasses;
    private final long seed;
    private final double labelSmoothing;
    private final Executor executor;
    private final Deque<CompletableFuture<Batch>> queue = new ArrayDeque<>();
    private int nextStart;

    public Batches(Examples examples, int[] order, int batchSize, int numClasses, long seed, Executor executor) {
        this(examples, order, batchSize, numClasses, seed, 0, executor);
    }

    /** {@code labelSmoothing}: each target is (1 - s) on its class plus s spread evenly over all classes. */
    public Batches(Examples examples, int[] order, int batchSize, int numClasses, long seed, double labelSmoothing,
                   Executor executor) {
        this.examples = examples;
        this.labelSmoothing = labelSmoothing;
        this.order = order;
        this.batchSize = batchSize;
        this.numClasses = numClasses;
        this.seed = seed;
        this.executor = executor;
        fill();
    }

    public int count() {
        return (order.length + batchSize - 1) / batchSize;
    }

    private void fill() {
        while (queue.size() < AHEAD && nextStart < order.length) {
            int start = nextStart;
            int end = Math.min(order.length, start + batchSize);
            nextStart = end;
            queue.add(CompletableFuture.supplyAsync(() -> assemble(start, end), executor));
        }
    }

    private Batch assemble(int start, int end) {
        int n = end - start;
        long perExample = examples.shape().size();
        float[] input = new float[Math.toIntExact(n * perExample)];
        float[] labels = new float[n * numClasses];
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            int index = order[start + i];
            SplittableRandom random = examples.augments()
                    ? new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index) : null;
            examples.write(index, input, (int) (i * perExample), random);
            classes[i] = examples.label(index);
            if (labelSmoothing > 0) {
                java.util.Arrays.fill(labels, i * numClasses, (i + 1) * numClasses, (float) (labelSmoothing
                        / numClasses));
            }
            labels[i * numClasses + classes[i]] += (float) (1 - labelSmoothing);
        }
        INDArray x = Nd4j.create(input, examples.shape().batchShape(n), 'c');
        INDArray y = Nd4j.create(labels, new long[]{n, numClasses}, 'c');
        return new Batch(x, y, classes);
    }

    @Override
    public boolean hasNext() {
        return !queue.isEmpty();
    }

    @Override
    public Batch next() {
        CompletableFuture<Batch> head = queue.poll();
        if (head == null) {
            throw new NoSuchElementException();
        }
        fill();
        try {
            return head.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while assembling a batch", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot assemble a batch: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** {@code input} NHWC (or flat features), {@code labels} one-hot, {@code classes} the label indices. */
    public record Batch(INDArray input, INDArray labels, int[] classes) {
        public int size() {
            return classes.length;
        }
    }
}
