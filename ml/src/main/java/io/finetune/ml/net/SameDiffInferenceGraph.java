package io.finetune.ml.net;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/** An {@link InferenceGraph} run by SameDiff: placeholder {@code input}, outputs {@code output}, {@code probabilities}. */
final class SameDiffInferenceGraph extends InferenceGraph {
    private final SameDiff sd;

    SameDiffInferenceGraph(SameDiff sd, Shape input, Shape output) {
        super(input, output);
        this.sd = sd;
    }

    @Override
    public INDArray output(INDArray batch) {
        return sd.output(Map.of("input", batch), "output").get("output");
    }

    @Override
    public INDArray probabilities(INDArray batch) {
        return sd.output(Map.of("input", batch), "probabilities").get("probabilities");
    }

    /**
     * SameDiff in DL4J 1.0.0-M2.1 has no way to free its session arrays early: they go with the collector (the
     * parameters are freed by {@link Network#release}). Every architecture this project ships runs direct.
     */
    @Override
    public void close() {
        // nothing to free early
    }
}
