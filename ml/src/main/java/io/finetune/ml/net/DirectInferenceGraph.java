package io.finetune.ml.net;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** An {@link InferenceGraph} run by {@link DirectExecutor}. */
final class DirectInferenceGraph extends InferenceGraph {
    private final DirectExecutor executor;
    private final boolean endsAtLogits;

    DirectInferenceGraph(Network network, int from, int to) {
        super(network.shapeAt(from), network.shapeAt(to));
        this.executor = new DirectExecutor(network, from, to, network.params(), to - from);
        this.endsAtLogits = to == network.architecture().layers().size();
    }

    @Override
    public INDArray output(INDArray batch) {
        return executor.forward(batch).dup();
    }

    @Override
    public INDArray probabilities(INDArray batch) {
        if (!endsAtLogits) {
            throw new IllegalStateException("expected a graph ending at the classifier for probabilities, found one "
                    + "ending at " + outputShape());
        }
        return Transforms.softmax(executor.forward(batch), true);
    }
}
