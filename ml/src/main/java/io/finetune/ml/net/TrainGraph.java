package io.finetune.ml.net;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training phase from layer {@code from} to the logits, with its Adam state. Subclasses compute the loss and
 * gradients ({@link SameDiffTrainGraph}, {@link DirectTrainGraph}); the update is ND4J's Adam applied here, so the
 * optimizer state is ours to checkpoint and identical whichever executor computed the gradients.
 */
public abstract class TrainGraph {
    private final Network network;
    private final List<String> trainable;
    private final Adam adam = new Adam(1e-3);
    private final Map<String, AdamUpdater> updaters = new LinkedHashMap<>();
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    private int iteration;

    /** {@code trainable}: sorted parameter names; {@link #variable} must return an array for each. */
    TrainGraph(Network network, List<String> trainable) {
        this.network = network;
        this.trainable = trainable;
    }

    /** Creates the Adam state; call once the subclass can answer {@link #variable}. */
    final void initOptimizer() {
        for (String name : trainable) {
            INDArray param = variable(name);
            INDArray view = Nd4j.zeros(param.dataType(), 2 * param.length());
            AdamUpdater u = new AdamUpdater(adam);
            u.setStateViewArray(view, param.shape(), 'c', true);
            updaters.put(name, u);
            state.put(name, view);
        }
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

    /** One optimizer step; returns the batch logits (for accuracy) and the mean loss. */
    public StepResult step(INDArray input, INDArray labels, double learningRate) {
        adam.setLearningRate(learningRate);
        Gradients result = gradients(input, labels);
        for (String name : trainable) {
            INDArray g = result.gradients().get(name);
            if (g == null) {
                throw new IllegalStateException("expected a gradient for " + name + ", found none");
            }
            updaters.get(name).applyUpdater(g, iteration, 0);
            variable(name).subi(g);
        }
        iteration++;
        return new StepResult(result.loss(), result.logits());
    }

    /** Copies the trained variables back into the network's parameters. */
    public void syncToNetwork() {
        for (String name : trainable) {
            network.params().get(name).assign(variable(name));
        }
    }

    /** Adam moments by parameter name, plus the iteration count: what a checkpoint needs to resume exactly. */
    public Map<String, INDArray> optimizerState() {
        Map<String, INDArray> s = new LinkedHashMap<>(state);
        s.put("#iteration", Nd4j.scalar((float) iteration).reshape(1));
        return s;
    }

    public void restoreOptimizerState(Map<String, INDArray> saved) {
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            INDArray s = saved.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("expected optimizer state for " + e.getKey() + ", found none");
            }
            e.getValue().assign(s.reshape(e.getValue().shape()));
        }
        iteration = (int) saved.get("#iteration").getDouble(0);
    }

    public record StepResult(double loss, INDArray logits) {
    }

    record Gradients(double loss, INDArray logits, Map<String, INDArray> gradients) {
    }
}
