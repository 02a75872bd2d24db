package io.finetune.ml.net;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training phase's graph with its Adam state. Gradients come from SameDiff; the update is ND4J's Adam op
 * applied here, so the optimizer state is ours to checkpoint. Batch-norm running statistics follow the batch
 * moments with momentum 0.99 (Keras' default).
 */
public final class TrainGraph {
    private static final double MOMENTUM = 0.99;

    private final Network network;
    private final SameDiff sd;
    private final List<String> trainable;
    private final Map<String, SDVariable[]> moments;
    private final Adam adam = new Adam(1e-3);
    private final Map<String, AdamUpdater> updaters = new LinkedHashMap<>();
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    private final List<String> outputs = new ArrayList<>();
    private int iteration;

    TrainGraph(Network network, SameDiff sd, List<String> trainable, Map<String, SDVariable[]> moments) {
        this.network = network;
        this.sd = sd;
        this.trainable = trainable;
        this.moments = moments;
        outputs.add("loss");
        outputs.add("logits");
        moments.values().forEach(m -> {
            outputs.add(m[0].name());
            outputs.add(m[1].name());
        });
        for (String name : trainable) {
            INDArray param = sd.getVariable(name).getArr();
            INDArray view = Nd4j.zeros(param.dataType(), 2 * param.length());
            AdamUpdater u = new AdamUpdater(adam);
            u.setStateViewArray(view, param.shape(), 'c', true);
            updaters.put(name, u);
            state.put(name, view);
        }
    }

    /** For profiling: SameDiff calls the listener around every op of the forward and backward pass. */
    public void addListener(org.nd4j.autodiff.listeners.Listener listener) {
        sd.addListeners(listener);
    }

    public List<String> trainableParams() {
        return trainable;
    }

    public long trainableCount() {
        return trainable.stream().mapToLong(n -> sd.getVariable(n).getArr().length()).sum();
    }

    /** One optimizer step; returns the batch logits (for accuracy) and the mean loss. */
    public StepResult step(INDArray input, INDArray labels, double learningRate) {
        adam.setLearningRate(learningRate);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("input", input);
        feed.put("labels", labels);
        OutAndGrad result = sd.calculateGradientsAndOutputs(feed, outputs, trainable);
        Map<String, INDArray> grads = result.getGradients();
        for (String name : trainable) {
            INDArray g = grads.get(name);
            updaters.get(name).applyUpdater(g, iteration, 0);
            sd.getVariable(name).getArr().subi(g);
        }
        iteration++;
        Map<String, INDArray> out = result.getOutputs();
        for (Map.Entry<String, SDVariable[]> e : moments.entrySet()) {
            updateRunning(e.getKey() + "/mean", out.get(e.getValue()[0].name()));
            updateRunning(e.getKey() + "/var", out.get(e.getValue()[1].name()));
        }
        return new StepResult(out.get("loss").getDouble(0), out.get("logits"));
    }

    private void updateRunning(String name, INDArray batchValue) {
        INDArray running = network.params().get(name);
        running.muli(MOMENTUM).addi(batchValue.reshape(running.shape()).mul(1 - MOMENTUM));
    }

    /** Copies the trained variables back into the network's parameters. */
    public void syncToNetwork() {
        for (String name : trainable) {
            network.params().get(name).assign(sd.getVariable(name).getArr());
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
}
