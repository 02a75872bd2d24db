package io.finetune.ml.net;

import static io.finetune.ml.net.DirectOps.batchNorm;
import static io.finetune.ml.net.DirectOps.binary;
import static io.finetune.ml.net.DirectOps.matmul;

import io.finetune.ml.net.Layers.Conv;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * The batch norm of one {@link ConvUnit} (after its pool), forward and backward, on one batch size's buffers. The
 * batch moments are matrix products with a ones row (variance of the centred map, not E[x^2] - mean^2); the
 * per-channel arithmetic runs in Java on C floats; the normalization is libnd4j's {@code batchnorm} op (oneDNN, one
 * pass). Running statistics move in place with momentum {@link GraphBuilder#BATCH_NORM_MOMENTUM}. The backward
 * pass is written out, the normalized map recomputed by the same op.
 */
final class ConvBatchNorm {
    private final StepContext context;
    private final String name;
    private final int channels;
    private final boolean batchStatistics;
    private final INDArray sums;
    /** The mean and variance the last forward pass normalized with. */
    private final INDArray mean;
    private final INDArray variance;
    private INDArray normOut;
    /** The normalized map without gamma and beta, recomputed for the backward pass. */
    private INDArray normalized;
    private INDArray scratch;
    private INDArray unitScale;
    private INDArray zeroShift;
    private INDArray unitVariance;

    /** {@code batchStatistics}: normalize with the batch's moments (training), else with the running ones. */
    ConvBatchNorm(StepContext context, Conv c, boolean batchStatistics) {
        this.context = context;
        this.name = c.name();
        this.channels = c.filters();
        this.batchStatistics = batchStatistics;
        sums = context.track(Nd4j.create(DataType.FLOAT, 1, channels));
        mean = context.track(Nd4j.create(DataType.FLOAT, channels));
        variance = context.track(Nd4j.create(DataType.FLOAT, channels));
    }

    /**
     * Batch norm over the channels of {@code pre}: with the batch's mean and variance (moving the running
     * statistics towards them), or with the running ones. Returns a buffer reused by the next call.
     */
    INDArray forward(INDArray pre) {
        long rows = pre.length() / channels;
        if (normOut == null) {
            normOut = context.track(Nd4j.create(DataType.FLOAT, pre.shape()));
        }
        float[] runningMean = context.param(name + "/mean").toFloatVector();
        float[] runningVar = context.param(name + "/var").toFloatVector();
        if (batchStatistics) {
            if (scratch == null) {
                scratch = context.track(Nd4j.create(DataType.FLOAT, pre.shape()));
            }
            INDArray p = pre.reshape('c', rows, channels);
            INDArray squares = scratch.reshape('c', rows, channels);
            matmul(context.ones(rows), p, sums, false);
            float[] m = sums.toFloatVector();
            for (int k = 0; k < channels; k++) {
                m[k] /= rows;
            }
            mean.assign(Nd4j.createFromArray(m));
            binary("subtract", p, mean.reshape(1, channels), squares);
            binary("multiply", squares, squares, squares);
            matmul(context.ones(rows), squares, sums, false);
            float[] v = sums.toFloatVector();
            double momentum = GraphBuilder.BATCH_NORM_MOMENTUM;
            for (int k = 0; k < channels; k++) {
                v[k] /= rows;
                runningMean[k] = (float) (momentum * runningMean[k] + (1 - momentum) * m[k]);
                runningVar[k] = (float) (momentum * runningVar[k] + (1 - momentum) * v[k]);
            }
            variance.assign(Nd4j.createFromArray(v));
            context.param(name + "/mean").assign(Nd4j.createFromArray(runningMean));
            context.param(name + "/var").assign(Nd4j.createFromArray(runningVar));
        } else {
            mean.assign(Nd4j.createFromArray(runningMean));
            variance.assign(Nd4j.createFromArray(runningVar));
        }
        batchNorm(pre, mean, variance, context.param(name + "/gamma"), context.param(name + "/beta"), normOut);
        return normOut;
    }

    /**
     * d(pre) into {@code target} from d(out), and the gradients of gamma and beta; {@code pre} is the map the last
     * forward pass normalized. With batch statistics the mean and variance depend on the input:
     * d(pre) = a * (dOut - mean(dOut) - xhat * mean(dOut * xhat)), a = gamma / std. libnd4j's {@code batchnorm_bp}
     * computes the same but is much slower (no oneDNN path; bench/README.md, "Direct executor measurements").
     */
    void backward(INDArray pre, INDArray dOutMap, INDArray target, Map<String, INDArray> grads) {
        long rows = dOutMap.length() / channels;
        if (normalized == null) {
            normalized = context.track(Nd4j.create(DataType.FLOAT, target.shape()));
            if (scratch == null) {
                scratch = context.track(Nd4j.create(DataType.FLOAT, target.shape()));
            }
            unitScale = context.track(Nd4j.ones(DataType.FLOAT, channels));
            zeroShift = context.track(Nd4j.zeros(DataType.FLOAT, channels));
            unitVariance = context.track(Nd4j.zeros(DataType.FLOAT, channels))
                    .addi(1 - GraphBuilder.BATCH_NORM_EPSILON);
        }
        batchNorm(pre, mean, variance, unitScale, zeroShift, normalized);
        INDArray dz = dOutMap.reshape('c', rows, channels);
        INDArray xhat = normalized.reshape('c', rows, channels);
        INDArray products = scratch.reshape('c', rows, channels);
        INDArray gradGamma = context.gradient(name + "/gamma");
        INDArray gradBeta = context.gradient(name + "/beta");
        matmul(context.ones(rows), dz, gradBeta.reshape(1, channels), false);
        binary("multiply", dz, xhat, products);
        matmul(context.ones(rows), products, gradGamma.reshape(1, channels), false);
        grads.put(name + "/gamma", gradGamma);
        grads.put(name + "/beta", gradBeta);
        float[] gamma = context.param(name + "/gamma").toFloatVector();
        float[] v = variance.toFloatVector();
        float[] dGamma = gradGamma.toFloatVector();
        float[] dBeta = gradBeta.toFloatVector();
        float[] a = new float[channels];
        float[] b = new float[channels];
        float[] shift = new float[channels];
        for (int k = 0; k < channels; k++) {
            a[k] = (float) (gamma[k] / Math.sqrt(v[k] + GraphBuilder.BATCH_NORM_EPSILON));
            b[k] = batchStatistics ? -a[k] * dGamma[k] / rows : 0f;
            shift[k] = batchStatistics ? -a[k] * dBeta[k] / rows : 0f;
        }
        // target = dz * a + shift (batchnorm with mean 0 and variance 1 - epsilon), + xhat * b
        batchNorm(dOutMap, zeroShift, unitVariance, Nd4j.createFromArray(a), Nd4j.createFromArray(shift), target);
        if (batchStatistics) {
            binary("multiply", xhat, Nd4j.createFromArray(b).reshape(1, channels), products);
            INDArray targetRows = target.reshape('c', rows, channels);
            binary("add", targetRows, products, targetRows);
        }
    }
}
