package io.finetune.ml.net;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link TrainGraph} whose gradients come from {@link DirectExecutor}: for the architectures it supports
 * (seed-cnn, res-cnn). Batch-norm running statistics are the network's own arrays, updated in place. Numerically the same as {@link SameDiffTrainGraph} within float tolerance (tested). Its trainable
 * variables and their gradients are views of one buffer each, so the optimizer updates them with one Adam op.
 */
public final class DirectTrainGraph extends TrainGraph {
    private final DirectExecutor executor;
    private final Map<String, INDArray> variables = new HashMap<>();
    private final FlatArrays trainableVariables;
    private final FlatArrays gradients;

    DirectTrainGraph(Network network, int from, List<String> trainable, int lowestTrainableLayer,
                     java.util.Set<String> batchStatisticLayers) {
        super(network, trainable);
        variables.putAll(network.params());
        trainableVariables = new FlatArrays(trainable, n -> network.params().get(n).shape());
        gradients = new FlatArrays(trainable, n -> network.params().get(n).shape());
        for (String name : trainable) {
            variables.put(name, trainableVariables.view(name).assign(network.params().get(name)));
        }
        executor = new DirectExecutor(network, from, network.architecture().layers().size(), variables,
                lowestTrainableLayer - from, batchStatisticLayers, gradients.views());
        initOptimizer();
    }

    @Override
    FlatArrays flatVariables() {
        return trainableVariables;
    }

    @Override
    FlatArrays flatGradients() {
        return gradients;
    }

    /** For profiling: milliseconds per op kind accumulated over the steps from now on. */
    public Map<String, Double> recordTimings() {
        executor.recordTimings();
        return executor.timings();
    }

    @Override
    public String engine() {
        return "direct";
    }

    @Override
    INDArray variable(String name) {
        return variables.get(name);
    }

    @Override
    Gradients gradients(INDArray input, INDArray labels) {
        INDArray logits = executor.forward(input).dup('c');
        int batch = (int) logits.size(0);
        int classes = (int) logits.size(1);
        float[] z = logits.data().asFloat();
        float[] y = labels.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] d = new float[batch * classes];
        double loss = 0;
        for (int i = 0; i < batch; i++) {
            int row = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, z[row + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(z[row + j] - max);
            }
            double logSum = max + Math.log(sum);
            double labelMass = 0;
            for (int j = 0; j < classes; j++) {
                loss -= y[row + j] * (z[row + j] - logSum);
                labelMass += y[row + j];
            }
            for (int j = 0; j < classes; j++) {
                d[row + j] = (float) ((Math.exp(z[row + j] - logSum) * labelMass - y[row + j]) / batch);
            }
        }
        Map<String, INDArray> grads = executor.backward(Nd4j.create(d, new long[]{batch, classes}, 'c'));
        return new Gradients(loss / batch, logits, grads);
    }
}
