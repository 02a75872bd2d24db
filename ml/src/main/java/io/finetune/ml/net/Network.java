package io.finetune.ml.net;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/** The weights of an architecture at an image size and class count. Mutable while training; not thread-safe. */
public final class Network {
    private final Architecture architecture;
    private final int imageSize;
    private final int numClasses;
    private final Map<String, INDArray> params;

    private Network(Architecture architecture, int imageSize, int numClasses, Map<String, INDArray> params) {
        this.architecture = architecture;
        this.imageSize = imageSize;
        this.numClasses = numClasses;
        this.params = params;
    }

    /** Random initialization, each parameter from its own stream seeded by (seed, name). */
    public static Network initialize(Architecture architecture, int imageSize, int numClasses, long seed) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (List<ParamSpec> specs : architecture.params(imageSize, numClasses).values()) {
            for (ParamSpec spec : specs) {
                params.put(spec.name(), initial(spec, seed));
            }
        }
        return new Network(architecture, imageSize, numClasses, params);
    }

    /** Restores weights, checking that every parameter is present with its expected shape. */
    public static Network of(Architecture architecture, int imageSize, int numClasses, Map<String, INDArray> values,
                             String source) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (List<ParamSpec> specs : architecture.params(imageSize, numClasses).values()) {
            for (ParamSpec spec : specs) {
                INDArray v = values.get(spec.name());
                if (v == null) {
                    throw new IllegalArgumentException("expected parameter " + spec.name() + " in " + source
                            + ", found none");
                }
                if (!Arrays.equals(v.shape(), spec.shape())) {
                    throw new IllegalArgumentException("expected " + spec.name() + " of shape "
                            + Arrays.toString(spec.shape()) + " in " + source + " (" + architecture.name() + ", "
                            + imageSize + " px, " + numClasses + " classes), found " + Arrays.toString(v.shape()));
                }
                params.put(spec.name(), v.castTo(DataType.FLOAT));
            }
        }
        return new Network(architecture, imageSize, numClasses, params);
    }

    /** A new network whose layers up to {@code cut} are copies of {@code base}'s; the head is freshly initialized. */
    public static Network transfer(Network base, String cut, int numClasses, long seed) {
        Network target = initialize(base.architecture, base.imageSize, numClasses, seed);
        for (String layer : base.architecture.featureLayersUpTo(cut)) {
            for (String name : target.paramNames(layer)) {
                target.params.get(name).assign(base.params.get(name));
            }
        }
        return target;
    }

    private static INDArray initial(ParamSpec spec, long seed) {
        float[] values = new float[Math.toIntExact(spec.length())];
        switch (spec.init()) {
            case ONES -> Arrays.fill(values, 1f);
            case ZEROS -> { }
            case HE_UNIFORM, GLOROT_UNIFORM -> {
                double limit = spec.init() == ParamSpec.Init.HE_UNIFORM ? Math.sqrt(6.0 / spec.fanIn())
                        : Math.sqrt(6.0 / (spec.fanIn() + spec.fanOut()));
                SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + spec.name().hashCode());
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
                }
            }
            default -> throw new IllegalStateException("unknown init " + spec.init());
        }
        return Nd4j.create(values, spec.shape(), 'c');
    }

    public Architecture architecture() {
        return architecture;
    }

    public int imageSize() {
        return imageSize;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Live parameter arrays by name, in layer order. */
    public Map<String, INDArray> params() {
        return params;
    }

    public List<String> paramNames(String layer) {
        return architecture.params(imageSize, numClasses).get(layer).stream().map(ParamSpec::name).toList();
    }

    /**
     * Frees the parameters' native buffers now (not when the collector finds them); for a network nothing else
     * uses any more (a retired model). Not usable afterwards.
     */
    public void release() {
        for (INDArray p : params.values()) {
            if (p.closeable()) {
                p.close();
            }
        }
    }

    public Network copy() {
        Map<String, INDArray> copy = new LinkedHashMap<>();
        params.forEach((k, v) -> copy.put(k, v.dup()));
        return new Network(architecture, imageSize, numClasses, copy);
    }

    /** Input shape of layer {@code index} (index = layer count: the logits). */
    public Shape shapeAt(int index) {
        return architecture.shapes(imageSize, numClasses).get(index);
    }

    /**
     * An inference graph from layer {@code from} up to, excluding, layer {@code to}: placeholder {@code input},
     * output {@code output}; when it ends at the logits, also {@code probabilities}.
     */
    public InferenceGraph inferenceGraph(int from, int to) {
        return inferenceGraph(from, to, Engine.configured());
    }

    /** As {@link #inferenceGraph(int, int)}, run by the given engine. */
    public InferenceGraph inferenceGraph(int from, int to, Engine engine) {
        if (engine.direct(architecture, from, to)) {
            return new DirectInferenceGraph(this, from, to);
        }
        GraphBuilder g = new GraphBuilder(params, Set.of(), Set.of());
        SDVariable out = layers(g, from, to, "input");
        SameDiff sd = g.sd();
        out = sd.identity("output", out);
        if (to == architecture.layers().size()) {
            sd.nn().softmax("probabilities", out, -1);
        }
        return new SameDiffInferenceGraph(sd, shapeAt(from), shapeAt(to));
    }

    /**
     * A training graph from layer {@code from} to the logits: placeholders {@code input} and {@code labels} (one
     * hot), outputs {@code logits} and {@code loss} (mean softmax cross-entropy).
     */
    public TrainGraph trainGraph(int from, Set<String> trainableLayers, Set<String> batchStatisticLayers) {
        return trainGraph(from, trainableLayers, batchStatisticLayers, Engine.configured());
    }

    /** As {@link #trainGraph(int, Set, Set)}, run by the given engine. */
    public TrainGraph trainGraph(int from, Set<String> trainableLayers, Set<String> batchStatisticLayers,
                                 Engine engine) {
        Set<String> trainable = new java.util.HashSet<>();
        for (String layer : trainableLayers) {
            for (String name : paramNames(layer)) {
                if (!name.endsWith("/mean") && !name.endsWith("/var")) {
                    trainable.add(name);
                }
            }
        }
        int layerCount = architecture.layers().size();
        boolean mobileBatchStatistics = architecture.layers().stream().anyMatch(l -> batchStatisticLayers
                .contains(l.name()) && (l instanceof MobileLayers.ConvBn || l instanceof MobileLayers.MBConv));
        // the direct executor folds batch norm into the convolutions of mobile layers: fixed statistics only
        if (engine.direct(architecture, from, layerCount) && !mobileBatchStatistics) {
            int lowest = layerCount;
            for (int i = layerCount - 1; i >= from; i--) {
                if (trainableLayers.contains(architecture.layers().get(i).name())) {
                    lowest = i;
                }
            }
            return new DirectTrainGraph(this, from, trainable.stream().sorted().toList(), lowest, batchStatisticLayers);
        }
        GraphBuilder g = new GraphBuilder(params, trainable, batchStatisticLayers);
        SDVariable logits = g.sd().identity("logits", layers(g, from, architecture.layers().size(), "input"));
        SDVariable labels = g.sd().placeHolder("labels", DataType.FLOAT, -1, numClasses);
        g.sd().loss().softmaxCrossEntropy("loss", labels, logits, null,
                org.nd4j.autodiff.loss.LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);
        return new SameDiffTrainGraph(this, g.sd(), trainable.stream().sorted().toList(), g.moments());
    }

    private SDVariable layers(GraphBuilder g, int from, int to, String inputName) {
        List<Shape> shapes = architecture.shapes(imageSize, numClasses);
        SDVariable x = g.sd().placeHolder(inputName, DataType.FLOAT, shapes.get(from).batchShape(-1));
        for (int i = from; i < to; i++) {
            Layer layer = architecture.layers().get(i);
            x = layer.apply(g, x, shapes.get(i), numClasses);
        }
        return x;
    }
}
