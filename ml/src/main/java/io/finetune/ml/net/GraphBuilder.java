package io.finetune.ml.net;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Declares parameters while layers add their ops: a parameter named in {@code trainable} becomes a SameDiff
 * variable (a copy the optimizer updates), every other one a constant, which is how freezing works. Batch norm
 * of a layer in {@code batchStatisticLayers} normalizes with the batch moments and exposes them as outputs so the
 * caller can update the running statistics; every other batch norm uses the stored running statistics.
 */
public final class GraphBuilder {
    static final double BATCH_NORM_EPSILON = 1e-3;
    /** Running statistics = momentum * running + (1 - momentum) * batch (see {@link SameDiffTrainGraph}). */
    static final double BATCH_NORM_MOMENTUM = 0.9;

    private final SameDiff sd = SameDiff.create();
    private final Map<String, INDArray> values;
    private final Set<String> trainable;
    private final Set<String> batchStatisticLayers;
    private final Map<String, SDVariable> declared = new HashMap<>();
    private final Map<String, SDVariable[]> moments = new LinkedHashMap<>();

    GraphBuilder(Map<String, INDArray> values, Set<String> trainable, Set<String> batchStatisticLayers) {
        this.values = values;
        this.trainable = trainable;
        this.batchStatisticLayers = batchStatisticLayers;
    }

    public SameDiff sd() {
        return sd;
    }

    public SDVariable param(String name) {
        SDVariable v = declared.get(name);
        if (v == null) {
            INDArray value = values.get(name);
            if (value == null) {
                throw new IllegalStateException("expected parameter " + name + ", found none");
            }
            v = trainable.contains(name) ? sd.var(name, value.dup()) : sd.constant(name, value);
            declared.put(name, v);
        }
        return v;
    }

    /** Batch norm over the channel axis of an NHWC activation; {@code prefix} names the parameters. */
    public SDVariable batchNorm(String prefix, SDVariable y) {
        SDVariable gamma = param(prefix + "/gamma");
        SDVariable beta = param(prefix + "/beta");
        String layer = prefix.contains("/") ? prefix.substring(0, prefix.indexOf('/')) : prefix;
        if (!batchStatisticLayers.contains(layer)) {
            if (trainable.contains(prefix + "/gamma")) {
                // running statistics with trainable gamma and beta, written out: the batchnorm op's gradient fails
                // to build in SameDiff 1.0.0-M2.1 (BatchNormDerivative loses the axis)
                SDVariable inverse = sd.math().rsqrt(param(prefix + "/var").add(BATCH_NORM_EPSILON));
                return y.sub(param(prefix + "/mean")).mul(inverse.mul(gamma)).add(beta);
            }
            return sd.nn().batchNorm(y, param(prefix + "/mean"), param(prefix + "/var"), gamma, beta,
                    BATCH_NORM_EPSILON, 3);
        }
        SDVariable mean = y.mean(0, 1, 2);
        SDVariable centered = y.sub(mean);
        SDVariable variance = centered.mul(centered).mean(0, 1, 2);
        moments.put(prefix, new SDVariable[]{mean, variance});
        SDVariable normalized = centered.mul(sd.math().rsqrt(variance.add(BATCH_NORM_EPSILON)));
        return normalized.mul(gamma).add(beta);
    }

    /** Batch moments by batch-norm prefix: [mean, variance]. */
    Map<String, SDVariable[]> moments() {
        return moments;
    }
}
