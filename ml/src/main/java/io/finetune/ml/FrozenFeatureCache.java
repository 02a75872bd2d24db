package io.finetune.ml;

import io.finetune.contracts.Augmentation;
import io.finetune.ml.data.Batches;
import io.finetune.ml.data.DecodedSet;
import io.finetune.ml.data.Examples;
import io.finetune.ml.data.FeatureExamples;
import io.finetune.ml.data.ImageExamples;
import io.finetune.ml.data.Preprocessor;
import io.finetune.ml.net.InferenceGraph;
import io.finetune.ml.net.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.Executor;

/**
 * The outputs of a network's frozen layers, computed once per run: for every training image and each of its
 * {@code views} (view 0 is the image as the model sees it, views 1.. are augmented copies drawn from a stream seeded
 * by (seed, view, image)), and for every validation image. The trainable layers then learn from these rows instead
 * of running the frozen ones again each epoch. Exact: the frozen layers are deterministic and their batch-norm
 * statistics fixed. Several cut levels can be cached at once (the head's input and, for a second phase, the input of
 * the lowest unfrozen block): the lowest is computed from the images, the others from it.
 */
final class FrozenFeatureCache {
    private static final Logger LOG = LoggerFactory.getLogger(FrozenFeatureCache.class);

    private final Network network;
    private final DecodedSet train;
    private final DecodedSet validation;
    private final Preprocessor preprocessor;
    private final Augmentation augmentation;
    private final int views;
    private final long seed;
    private final int batchSize;
    private final Executor pool;
    private final TrainingListener listener;
    private final Map<Integer, FeatureExamples> trainByLayer = new HashMap<>();
    private final Map<Integer, FeatureExamples> validationByLayer = new HashMap<>();
    private double seconds;

    /** {@code views}: 1 caches each image once; more adds augmented copies (needs an augmentation). */
    FrozenFeatureCache(Network network, DecodedSet train, DecodedSet validation, Preprocessor preprocessor,
                       Augmentation augmentation, int views, long seed, int batchSize, Executor pool,
                       TrainingListener listener) {
        this.network = network;
        this.train = train;
        this.validation = validation;
        this.preprocessor = preprocessor;
        this.augmentation = augmentation;
        this.views = Math.max(1, views);
        this.seed = seed;
        this.batchSize = batchSize;
        this.pool = pool;
        this.listener = listener;
    }

    /** Computes every level not cached yet; the network's layers below the highest level must not change after. */
    void prepare(NavigableSet<Integer> layers) {
        NavigableSet<Integer> missing = new TreeSet<>(layers);
        missing.removeAll(trainByLayer.keySet());
        if (missing.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        int low = missing.first();
        int total = views * train.size() + validation.size();
        int[] done = {0};
        InferenceGraph fromImages = network.inferenceGraph(0, low);
        FeatureExamples[] perView = new FeatureExamples[views];
        for (int v = 0; v < views; v++) {
            Examples images = new ImageExamples(train, preprocessor, v == 0 ? null : augmentation);
            perView[v] = run(fromImages, images, TrainingRun.mix(seed, 1_000_003L + v), done, total);
        }
        trainByLayer.put(low, concat(perView));
        validationByLayer.put(low, run(fromImages, new ImageExamples(validation, preprocessor, null), 0, done,
                total));
        for (int layer : missing.tailSet(low, false)) {
            InferenceGraph up = network.inferenceGraph(low, layer);
            trainByLayer.put(layer, run(up, trainByLayer.get(low), 0, null, 0));
            validationByLayer.put(layer, run(up, validationByLayer.get(low), 0, null, 0));
        }
        double took = (System.nanoTime() - start) / 1e9;
        seconds += took;
        LOG.info("cached frozen outputs at layers {} of {} training views ({} x {} images) and {} validation images "
                + "in {} s", missing, views * train.size(), views, train.size(), validation.size(),
                String.format("%.1f", took));
    }

    FeatureExamples train(int layer) {
        return require(trainByLayer, layer);
    }

    FeatureExamples validation(int layer) {
        return require(validationByLayer, layer);
    }

    /** Seconds spent computing the cache so far. */
    double seconds() {
        return seconds;
    }

    private static FeatureExamples require(Map<Integer, FeatureExamples> byLayer, int layer) {
        FeatureExamples f = byLayer.get(layer);
        if (f == null) {
            throw new IllegalStateException("expected cached outputs at layer " + layer + ", found levels "
                    + byLayer.keySet());
        }
        return f;
    }

    /** Runs the graph over every example in order; {@code batchSeed} seeds augmentation draws. */
    private FeatureExamples run(InferenceGraph graph, Examples examples, long batchSeed, int[] done, int total) {
        int n = examples.size();
        float[][] features = new float[n][];
        int[] labels = new int[n];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            labels[i] = examples.label(i);
        }
        Batches batches = new Batches(examples, order, batchSize, network.numClasses(), batchSeed, pool);
        int row = 0;
        while (batches.hasNext()) {
            INDArray out = graph.output(batches.next().input());
            long per = out.length() / out.size(0);
            float[] flat = out.reshape('c', out.size(0), per).dup('c').data().asFloat();
            for (int i = 0; i < out.size(0); i++) {
                features[row++] = java.util.Arrays.copyOfRange(flat, (int) (i * per), (int) ((i + 1) * per));
            }
            if (done != null) {
                done[0] += (int) out.size(0);
                listener.onCaching(done[0], total);
            }
        }
        return new FeatureExamples(features, labels, graph.outputShape());
    }

    private static FeatureExamples concat(FeatureExamples[] parts) {
        int n = 0;
        for (FeatureExamples p : parts) {
            n += p.size();
        }
        float[][] features = new float[n][];
        int[] labels = new int[n];
        int row = 0;
        for (FeatureExamples p : parts) {
            for (int i = 0; i < p.size(); i++) {
                features[row] = p.features()[i];
                labels[row++] = p.labels()[i];
            }
        }
        return new FeatureExamples(features, labels, parts[0].shape());
    }
}
