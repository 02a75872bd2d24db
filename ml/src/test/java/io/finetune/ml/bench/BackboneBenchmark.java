package io.finetune.ml.bench;

import io.finetune.ml.NativeBackend;
import io.finetune.ml.SharedWeights;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import io.finetune.ml.net.InferenceGraph;
import io.finetune.ml.net.Network;
import io.finetune.ml.net.TrainGraph;
import io.finetune.ml.weights.BackboneImporter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * EfficientNet-Lite throughput as the ml module runs it (the direct executor on oneDNN): inference at batch 1 and
 * 32 (softmax included), and the fine-tuning phase-2 training step (the top {@code --unfreeze} layers and a
 * 102-class classifier, from cached block inputs, batch-norm statistics frozen, Adam). The same protocol as the
 * Python peers (bench/peer_backbone.py): warm-up, then timed steps. Prints one JSON object on stdout, with wall
 * images/s and process CPU seconds per image. Not a test: run by bench/run-backbone-bench.sh.
 * Args: [--arch efficientnet-lite0] [--seconds 10] [--unfreeze 4] [--only infer|train] [--profile]
 */
public final class BackboneBenchmark {
    private static final int CLASSES = 102;
    private static final int BATCH = 32;

    private BackboneBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        String archName = option(a, "--arch", "efficientnet-lite0");
        double seconds = Double.parseDouble(option(a, "--seconds", "10"));
        int unfreeze = Integer.parseInt(option(a, "--unfreeze", "4"));
        String only = option(a, "--only", "all");
        Architecture arch = Architectures.byName(archName);
        int size = arch.input().nativeImageSize();
        Network imagenet = load(arch, size);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("framework", "DL4J 1.0.0-M2.1 direct executor, oneDNN 2.5.2 (" + NativeBackend.describe() + ")");
        r.put("architecture", archName);
        r.put("imageSize", size);
        r.put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "default"));
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, size, size, 3).subi(0.5).muli(2);
        if (!only.equals("train")) {
            InferenceGraph infer = imagenet.inferenceGraph(0, arch.layers().size());
            INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
            warmUp(() -> {
                infer.probabilities(one);
                infer.probabilities(x);
            }, seconds / 2);
            put(r, "infer1", measure(() -> infer.probabilities(one), 1, seconds));
            put(r, "infer32", measure(() -> infer.probabilities(x), BATCH, seconds));
        }
        if (!only.equals("infer")) {
            Network net = Network.transfer(imagenet, arch.defaultCutPoint(), CLASSES, 7);
            List<String> cuts = arch.cutPoints();
            List<String> unfrozen = cuts.subList(cuts.size() - unfreeze, cuts.size());
            int from = arch.indexOf(unfrozen.get(0));
            Set<String> trainable = new HashSet<>(unfrozen);
            trainable.add("classifier");
            INDArray[][] batches = blockInputs(net, from, x);
            TrainGraph graph = net.trainGraph(from, trainable, Set.of());
            int[] next = {0};
            Runnable step = () -> {
                INDArray[] b = batches[next[0]++ % batches.length];
                graph.step(b[0], b[1], 1e-4);
            };
            warmUp(step, seconds / 2);
            r.put("unfrozenLayers", unfrozen);
            r.put("trainableParameters", graph.trainableCount());
            put(r, "trainStep", measure(step, BATCH, seconds));
            if (a.contains("--profile")) {
                Map<String, Double> times = ((io.finetune.ml.net.DirectTrainGraph) graph).recordTimings();
                int steps = 10;
                for (int i = 0; i < steps; i++) {
                    step.run();
                }
                Map<String, String> perStep = new LinkedHashMap<>();
                times.entrySet().stream().sorted((p, q) -> Double.compare(q.getValue(), p.getValue()))
                        .forEach(e -> perStep.put(e.getKey(), String.format("%.2f ms", e.getValue() / steps)));
                System.err.println("per training step: " + perStep);
            }
        }
        StringBuilder json = new StringBuilder("{");
        r.forEach((k, v) -> json.append(json.length() > 1 ? ", " : "").append('"').append(k).append("\": ")
                .append(v instanceof String || v instanceof List ? "\"" + v + "\"" : v));
        System.out.println(json.append('}'));
    }

    /** The shared ImageNet weights when present, else random weights of the same shapes (same speed). */
    private static Network load(Architecture arch, int size) throws Exception {
        Path dir = SharedWeights.backbone(arch.name()).orElse(null);
        if (dir == null) {
            System.err.println(SharedWeights.absentMessage() + ": timing random weights");
            return Network.initialize(arch, size, 1000, 1);
        }
        BackboneImporter.Imported w = BackboneImporter.read(dir.resolve(SharedWeights.WEIGHTS_FILE), arch, null,
                null);
        return Network.of(arch, size, w.numClasses(), w.params(), dir.toString());
    }

    /** Eight batches of block inputs (the frozen part run on random images) with random labels. */
    private static INDArray[][] blockInputs(Network net, int from, INDArray x) {
        InferenceGraph frozen = net.inferenceGraph(0, from);
        java.util.Random random = new java.util.Random(3);
        INDArray[][] out = new INDArray[8][];
        for (int k = 0; k < out.length; k++) {
            INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES);
            for (int i = 0; i < BATCH; i++) {
                y.putScalar(i, random.nextInt(CLASSES), 1f);
            }
            INDArray images = k == 0 ? x : Nd4j.rand(DataType.FLOAT, x.shape()).subi(0.5).muli(2);
            out[k] = new INDArray[]{frozen.output(images), y};
        }
        return out;
    }

    private static void warmUp(Runnable step, double seconds) {
        long start = System.nanoTime();
        for (int i = 0; i < 3 || System.nanoTime() - start < seconds * 1e9; i++) {
            step.run();
        }
    }

    /** {images/s (wall), CPU seconds per image (all threads of the process)}. */
    private static double[] measure(Runnable step, int images, double seconds) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long start = System.nanoTime();
        int steps = 0;
        while (steps < 5 || System.nanoTime() - start < seconds * 1e9) {
            step.run();
            steps++;
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        return new double[]{steps * images / wall, cpu / (steps * images)};
    }

    private static void put(Map<String, Object> r, String key, double[] m) {
        r.put(key, String.format("%.2f", m[0]));
        r.put(key + "CpuMsPerImage", String.format("%.2f", m[1] * 1000));
    }

    private static String option(List<String> args, String name, String fallback) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
    }
}
