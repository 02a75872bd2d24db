package io.finetune.ml.net;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/** One layer's forward and backward pass on buffers for one batch size (see {@link DirectExecutor}). */
interface ExecutorStep {
    /** {@code keep}: the backward pass will run through this layer, so keep what it needs. */
    INDArray forward(INDArray x, boolean keep);

    /** The gradient of the layer's input (null unless {@code needInput}); parameter gradients into grads. */
    INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads);
}
