package io.finetune.ml.net;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.comparison.CompareAndSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One training phase from layer {@code from} to the logits, with its Adam state. Subclasses compute the loss and
 * gradients ({@link SameDiffTrainGraph}, {@link DirectTrainGraph}); the update is ND4J's Adam applied here, so the
 * optimizer state is ours to checkpoint and identical whichever executor computed the gradients.
 *
 * <p>The Adam moments live in two separate contiguous arrays per parameter, not in DL4J's {@code AdamUpdater} state
 * view (one array with both moments as halves): libnd4j's {@code adam_updater} takes a slow strided path on those
 * half views, 2.5-10x slower (1.2-5 ms per step for seed-cnn's 410k-weight dense layer against 0.5 ms), which was
 * most of a cached-feature head step. The arithmetic is the same op's ({@code adam_updater}).
 */
public abstract class TrainGraph {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;
    /**
     * Steps between flushes of subnormal moments to zero. A weight whose gradient stays zero (a feature that a ReLU
     * keeps dead) has its first moment decay by 0.9 a step, into the subnormal range after ~700 steps, where every
     * float operation on it takes a microcode assist: with no flush, seed-cnn's cached-head Adam step went from 0.7
     * to 4-5 ms after 800 steps. TensorFlow avoids this by running with flush-to-zero; ND4J offers no such switch.
     * A flushed moment stays exactly zero while its gradient does, so an occasional flush is enough.
     */
    private static final int SUBNORMAL_FLUSH_INTERVAL = 16;

    private final Network network;
    private final List<String> trainable;

    /** First and second moment per trainable parameter, each contiguous and shaped like the parameter. */
    private final Map<String, INDArray[]> moments = new LinkedHashMap<>();
    /** ND4J's {@code adam_updater} per parameter (or one for all), built once (see {@link ReusableOp}). */
    private final Map<String, ReusableOp> adamOps = new HashMap<>();
    /** First and second moments of all parameters, when the subclass keeps {@link #flatVariables}. */
    private FlatArrays[] flatMoments;
    private int iteration;
    private double weightDecay;
    private Set<String> decayed = Set.of();

    /** {@code trainable}: sorted parameter names; {@link #variable} must return an array for each. */
    TrainGraph(Network network, List<String> trainable) {
        this.network = network;
        this.trainable = trainable;
    }

    /** Creates the Adam state; call once the subclass can answer {@link #variable} and {@link #flatVariables}. */
    final void initOptimizer() {
        if (flatVariables() != null) {
            flatMoments = new FlatArrays[]{new FlatArrays(trainable, n -> variable(n).shape()),
                    new FlatArrays(trainable, n -> variable(n).shape())};
        }
        for (String name : trainable) {
            INDArray param = variable(name);
            moments.put(name, flatMoments != null
                    ? new INDArray[]{flatMoments[0].view(name), flatMoments[1].view(name)}
                    : new INDArray[]{Nd4j.zeros(param.dataType(), param.shape()),
                            Nd4j.zeros(param.dataType(), param.shape())});
        }
    }

    /**
     * The trainable variables as views of one buffer, or null. When a subclass keeps them so (with gradients in
     * {@link #flatGradients}), a step updates all of them with one Adam op and one subtraction.
     */
    FlatArrays flatVariables() {
        return null;
    }

    /** The gradient buffers matching {@link #flatVariables}, which {@link #gradients} fills; null when that is. */
    FlatArrays flatGradients() {
        return null;
    }

    /** The array the optimizer updates for a trainable parameter. */
    abstract INDArray variable(String name);

    /** Mean softmax cross-entropy of the batch, its logits, and the gradient of every trainable parameter. */
    abstract Gradients gradients(INDArray input, INDArray labels);

    /** Which executor computes the gradients, for logs and benchmarks. */
    public abstract String engine();

    Network network() {
        return network;
    }

    public List<String> trainableParams() {
        return trainable;
    }

    public long trainableCount() {
        return trainable.stream().mapToLong(n -> variable(n).length()).sum();
    }

    /**
     * An L2 penalty {@code weightDecay * w} added to the gradients of {@code decayed} parameters before the Adam step
     * (callers pass the weights of freshly initialized layers: pulling pretrained weights or batch-norm scales towards
     * zero is not a prior on them).
     */
    public void setWeightDecay(double weightDecay, Set<String> decayed) {
        this.weightDecay = weightDecay;
        this.decayed = Set.copyOf(decayed);
    }

    /** One optimizer step; returns the batch logits (for accuracy) and the mean loss. */
    public StepResult step(INDArray input, INDArray labels, double learningRate) {
        Gradients result = gradients(input, labels);
        if (weightDecay > 0) {
            for (String name : trainable) {
                if (decayed.contains(name)) {
                    result.gradients().get(name).addi(variable(name).mul(weightDecay));
                }
            }
        }
        boolean flush = iteration % SUBNORMAL_FLUSH_INTERVAL == 0;
        FlatArrays flatGradients = flatGradients();
        for (String name : trainable) {
            INDArray g = result.gradients().get(name);
            if (g == null) {
                throw new IllegalStateException("expected a gradient for " + name + ", found none");
            }
            if (flatGradients == null) {
                update(name, g, moments.get(name), variable(name), learningRate, flush);
            } else if (g != flatGradients.view(name)) {
                flatGradients.view(name).assign(g);
            }
        }
        if (flatGradients != null) {
            update("all", flatGradients.flat(), new INDArray[]{flatMoments[0].flat(), flatMoments[1].flat()},
                    flatVariables().flat(), learningRate, flush);
        }
        iteration++;
        return new StepResult(result.loss(), result.logits());
    }

    /** Adam on {@code g} (in place: it becomes the update, the moments their next values), then the variable. */
    private void update(String key, INDArray g, INDArray[] mv, INDArray variable, double learningRate,
                        boolean flush) {
        adamOps.computeIfAbsent(key, n -> new ReusableOp("adam_updater", new INDArray[]{g, mv[1], mv[0]},
                        new INDArray[]{g, mv[1], mv[0]}))
                .input(0, g).output(0, g).floats(learningRate, BETA1, BETA2, EPSILON).ints(iteration).run();
        if (flush) {
            flushSubnormals(mv);
        }
        variable.subi(g);
    }

    /** Sets moments smaller in magnitude than the smallest normal float to zero (the second moment is never negative). */
    private static void flushSubnormals(INDArray[] mv) {
        Nd4j.exec(new CompareAndSet(mv[0], 0.0, Conditions.absLessThan(Float.MIN_NORMAL)));
        Nd4j.exec(new CompareAndSet(mv[1], 0.0, Conditions.lessThan(Float.MIN_NORMAL)));
    }

    /** Copies the trained variables back into the network's parameters. */
    public void syncToNetwork() {
        for (String name : trainable) {
            network.params().get(name).assign(variable(name));
        }
    }

    /**
     * Adam moments by parameter name (a vector of twice the parameter's length: first moment, then second, the
     * layout of DL4J's updater state), plus the iteration count: what a checkpoint needs to resume exactly.
     */
    public Map<String, INDArray> optimizerState() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        moments.forEach((name, mv) -> s.put(name, Nd4j.concat(0, mv[0].reshape(mv[0].length()),
                mv[1].reshape(mv[1].length()))));
        s.put("#iteration", Nd4j.scalar((float) iteration).reshape(1));
        return s;
    }

    public void restoreOptimizerState(Map<String, INDArray> saved) {
        for (Map.Entry<String, INDArray[]> e : moments.entrySet()) {
            INDArray s = saved.get(e.getKey());
            INDArray[] mv = e.getValue();
            long length = mv[0].length();
            if (s == null || s.length() != 2 * length) {
                throw new IllegalArgumentException("expected optimizer state for " + e.getKey() + " of length "
                        + 2 * length + ", found " + (s == null ? "none" : "length " + s.length()));
            }
            INDArray flat = s.reshape(s.length());
            mv[0].assign(flat.get(NDArrayIndex.interval(0, length)).reshape(mv[0].shape()));
            mv[1].assign(flat.get(NDArrayIndex.interval(length, 2 * length)).reshape(mv[1].shape()));
        }
        iteration = (int) saved.get("#iteration").getDouble(0);
    }

    public record StepResult(double loss, INDArray logits) {
    }

    record Gradients(double loss, INDArray logits, Map<String, INDArray> gradients) {
    }
}
