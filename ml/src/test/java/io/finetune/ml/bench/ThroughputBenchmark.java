package io.finetune.ml.bench;

import io.finetune.ml.NativeBackend;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import io.finetune.ml.net.InferenceGraph;
import io.finetune.ml.net.Network;
import io.finetune.ml.net.TrainGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DL4J throughput of seed-cnn (or another architecture) as the ml module runs it (the engine from {@code -Dfinetune.ml.engine}: direct
 * executor by default, SameDiff when set to samediff) on random input, the same protocol as the Python peers in bench/:
 * warm-up, then timed steps; prints one JSON object on stdout. Not a test: run by bench/run-ml-bench.sh.
 * Args: [imageSize=180] [batch=32] [seconds per figure=20] [--profile] [--inference-only] [--arch NAME (default
 * seed-cnn)]
 */
public final class ThroughputBenchmark {
    private static final int CLASSES = 5;
    private static final int WARMUP = 3;
    private static final int FEATURE_BATCHES = 32;

    private ThroughputBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 180;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 20;
        boolean profile = List.of(args).contains("--profile");
        int archFlag = List.of(args).indexOf("--arch");
        Architecture arch = Architectures.byName(archFlag >= 0 ? args[archFlag + 1] : Architectures.SEED_CNN);
        Network net = Network.initialize(arch, size, CLASSES, 1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, size, size, 3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % CLASSES, 1f);
        }
        Set<String> all = new HashSet<>();
        arch.layers().forEach(l -> all.add(l.name()));
        List<String> frozen = arch.featureLayersUpTo(arch.defaultCutPoint());
        Set<String> head = new HashSet<>(all);
        head.removeAll(frozen);
        int cut = arch.indexOf(arch.defaultCutPoint()) + 1;

        Map<String, Object> r = new LinkedHashMap<>();
        String engine = net.trainGraph(0, all, all).engine();
        r.put("framework", "DL4J 1.0.0-M2.1 " + ("direct".equals(engine) ? "direct executor" : "SameDiff")
                + " NHWC (" + NativeBackend.describe() + ")");
        r.put("architecture", arch.name());
        r.put("imageSize", size);
        r.put("batch", batch);
        if (profile) {
            OpTimes.profile(net, all, x, y);
            return;
        }
        if (List.of(args).contains("--inference-only")) {
            inference(net, x, seconds, seconds, r);
            print(r);
            return;
        }
        TrainGraph base = net.trainGraph(0, all, all);
        r.put("trainBase", rate(() -> base.step(x, y, 1e-3), batch, seconds));
        TrainGraph frozenGraph = net.trainGraph(0, head, head);
        double frozenRate = rate(() -> frozenGraph.step(x, y, 1e-3), batch, seconds);
        r.put("trainFrozen", frozenRate);
        INDArray[][] pool = cachedFeatureBatches(net, cut, batch, size);
        TrainGraph headGraph = net.trainGraph(cut, head, head);
        int[] next = {0};
        double headRate = rate(() -> {
            INDArray[] b = pool[next[0]++ % pool.length];
            headGraph.step(b[0], b[1], 1e-3);
        }, batch, seconds / 2);
        r.put("trainCachedHead", headRate);
        inference(net, x, 0, seconds, r);
        r.put("cachedVsFrozen", headRate / frozenRate);
        r.put("peakRssMB", peakRssMegabytes());
        print(r);
    }

    /**
     * Batch-1 and full-batch inference (softmax included), half of {@code seconds} each, after {@code warmUpSeconds}
     * of both alternately: a fresh process otherwise measures batch 1 before the JIT has compiled ND4J's op-building
     * code (the full run measures inference after minutes of training; it passes 0). The Python peers do the same.
     */
    private static void inference(Network net, INDArray x, double warmUpSeconds, double seconds,
                                  Map<String, Object> r) {
        InferenceGraph infer = net.inferenceGraph(0, net.architecture().layers().size());
        INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
        long start = System.nanoTime();
        while (System.nanoTime() - start < warmUpSeconds * 1e9) {
            for (int i = 0; i < 32; i++) {
                infer.probabilities(one);
            }
            infer.probabilities(x);
        }
        r.put("infer1", rate(() -> infer.probabilities(one), 1, seconds / 2));
        r.put("infer32", rate(() -> infer.probabilities(x), (int) x.size(0), seconds / 2));
    }

    private static void print(Map<String, Object> r) {
        StringBuilder json = new StringBuilder("{");
        r.forEach((k, v) -> json.append(json.length() > 1 ? ", " : "").append('"').append(k).append("\": ")
                .append(v instanceof String ? "\"" + v + "\"" : v instanceof Double d ? String.format("%.2f", d) : v));
        System.out.println(json.append('}'));
    }

    /**
     * {@link #FEATURE_BATCHES} batches of conv4 features of random images, each with random labels: the head cycles
     * through them like through an epoch of Flower102 (1,020 images). One repeated batch would be memorised within a
     * few hundred steps, its gradients would shrink into subnormal floats and time the arithmetic of those instead.
     */
    static INDArray[][] cachedFeatureBatches(Network net, int cut, int batch, int size) {
        InferenceGraph features = net.inferenceGraph(0, cut);
        java.util.Random random = new java.util.Random(1);
        INDArray[][] pool = new INDArray[FEATURE_BATCHES][];
        for (int k = 0; k < pool.length; k++) {
            INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
            for (int i = 0; i < batch; i++) {
                labels.putScalar(i, random.nextInt(CLASSES), 1f);
            }
            pool[k] = new INDArray[]{features.output(Nd4j.rand(DataType.FLOAT, batch, size, size, 3)), labels};
        }
        return pool;
    }

    /**
     * Images per second over at least {@code seconds} (and at least 5 steps) after a warm-up of at least
     * {@link #WARMUP} steps and a quarter of {@code seconds} (the JIT compiles ND4J's op-building code over the
     * first few thousand ops).
     */
    static double rate(Runnable step, int imagesPerStep, double seconds) {
        long warmupStart = System.nanoTime();
        for (int i = 0; i < WARMUP || System.nanoTime() - warmupStart < seconds / 4 * 1e9; i++) {
            step.run();
        }
        long start = System.nanoTime();
        int steps = 0;
        while (steps < 5 || System.nanoTime() - start < seconds * 1e9) {
            step.run();
            steps++;
        }
        return steps * imagesPerStep / ((System.nanoTime() - start) / 1e9);
    }

    static long peakRssMegabytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
