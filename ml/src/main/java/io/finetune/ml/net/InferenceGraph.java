package io.finetune.ml.net;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A forward-only graph over part of a network; one caller at a time (callers synchronize). Closing it frees the
 * native buffers it made for its activations (the network's parameters are the network's); not usable afterwards.
 */
public abstract class InferenceGraph implements AutoCloseable {
    private final Shape input;
    private final Shape output;

    InferenceGraph(Shape input, Shape output) {
        this.input = input;
        this.output = output;
    }

    public Shape inputShape() {
        return input;
    }

    public Shape outputShape() {
        return output;
    }

    /** Output activations (logits when the graph ends at the classifier); a fresh array the caller owns. */
    public abstract INDArray output(INDArray batch);

    /** Softmax of the logits; only for a graph that ends at the classifier. */
    public abstract INDArray probabilities(INDArray batch);

    @Override
    public abstract void close();
}
