package io.finetune.ml.net;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/** A forward-only graph; one caller at a time (callers synchronize). */
public final class InferenceGraph {
    private final SameDiff sd;
    private final Shape input;
    private final Shape output;

    InferenceGraph(SameDiff sd, Shape input, Shape output) {
        this.sd = sd;
        this.input = input;
        this.output = output;
    }

    public Shape inputShape() {
        return input;
    }

    public Shape outputShape() {
        return output;
    }

    /** Output activations (logits when the graph ends at the classifier). */
    public INDArray output(INDArray batch) {
        return sd.output(Map.of("input", batch), "output").get("output");
    }

    public INDArray probabilities(INDArray batch) {
        return sd.output(Map.of("input", batch), "probabilities").get("probabilities");
    }
}
