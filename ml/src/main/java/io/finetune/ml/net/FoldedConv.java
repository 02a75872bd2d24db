package io.finetune.ml.net;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;

/**
 * A convolution followed by batch norm with fixed statistics, run as one convolution: with {@code s = gamma /
 * sqrt(var + eps)} per output channel, the weights become {@code W * s} and the bias {@code beta - mean * s}, and
 * ReLU6 (when the layer has it) is fused in. Trainable, the gradients of the folded weights {@code dW'} and bias
 * {@code db'} come from oneDNN and the chain rule gives the parameters': {@code dW = dW' * s}, {@code dbeta = db'},
 * {@code dgamma = (sum(dW' * W) - db' * mean) / sqrt(var + eps)} (sums over all but the output channel). The running
 * statistics never change here (batch-statistics training runs on SameDiff).
 */
final class FoldedConv {
    private final StepContext context;
    private final String prefix;
    private final DnnlConvolution conv;
    private final boolean relu6;
    private final boolean trainable;
    private final long taps;
    private final int channels;
    private final INDArray foldedWeights;
    private final INDArray foldedBias;
    private final long[] inShape;
    private INDArray scale;
    private INDArray sigma;
    private boolean folded;
    private INDArray dPre;
    private INDArray dInput;
    private INDArray dFoldedWeights;
    private INDArray dFoldedBias;

    /**
     * @param channels output channels (the normalized ones)
     * @param inShape  NHWC shape of the convolution's input, for the input-gradient buffer
     */
    FoldedConv(StepContext context, String prefix, DnnlConvolution conv, int channels, boolean relu6,
               boolean trainable, long[] inShape) {
        this.context = context;
        this.prefix = prefix;
        this.conv = conv;
        this.relu6 = relu6;
        this.trainable = trainable;
        INDArray w = context.param(prefix + "/W");
        this.channels = channels;
        this.taps = w.length() / channels;
        this.foldedWeights = context.track(Nd4j.create(DataType.FLOAT, w.shape()));
        this.foldedBias = context.track(Nd4j.create(DataType.FLOAT, channels));
        this.inShape = inShape;
    }

    /** {@code out = act(conv(x, W * s) + beta - mean * s)}; {@code out} may hold a residual to add (sum post-op). */
    void forward(INDArray x, INDArray out) {
        if (!folded || trainable) {
            fold();
        }
        long t = context.start();
        conv.forward(x, foldedBias, out);
        context.stop("conv " + prefix, t);
    }

    private void fold() {
        long t = context.start();
        INDArray w = context.param(prefix + "/W");
        sigma = Transforms.sqrt(context.param(prefix + "/var").add(GraphBuilder.BATCH_NORM_EPSILON), false);
        scale = context.param(prefix + "/gamma").div(sigma);
        Nd4j.exec(new BroadcastMulOp(matrix(w), scale, matrix(foldedWeights), 1));
        foldedBias.assign(context.param(prefix + "/beta").sub(context.param(prefix + "/mean").mul(scale)));
        conv.setWeights(foldedWeights);
        folded = true;
        context.stop("fold batch norm", t);
    }

    /**
     * Gradients of W, gamma and beta into {@code grads}, given the forward input {@code x}, output {@code out} and
     * the gradient {@code dOut} of the output; returns the input gradient when {@code needInput}, else null.
     */
    INDArray backward(INDArray x, INDArray out, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
        if (dFoldedWeights == null) {
            dPre = relu6 ? context.track(Nd4j.create(DataType.FLOAT, out.shape())) : null;
            dFoldedWeights = context.track(Nd4j.create(DataType.FLOAT, foldedWeights.shape()));
            dFoldedBias = context.track(Nd4j.create(DataType.FLOAT, channels));
        }
        long t = context.start();
        INDArray g = dOut;
        if (relu6) {
            conv.relu6Backward(out, dOut, dPre);
            g = dPre;
        }
        context.stop("relu6 backward", t);
        t = context.start();
        conv.backwardWeights(x, g, dFoldedWeights, dFoldedBias);
        context.stop("conv weight gradient " + prefix, t);
        t = context.start();
        INDArray gradW = context.gradient(prefix + "/W");
        Nd4j.exec(new BroadcastMulOp(matrix(dFoldedWeights), scale, matrix(gradW), 1));
        INDArray gradGamma = context.gradient(prefix + "/gamma");
        gradGamma.assign(matrix(dFoldedWeights).mul(matrix(context.param(prefix + "/W"))).sum(0)
                .sub(dFoldedBias.mul(context.param(prefix + "/mean"))).div(sigma));
        INDArray gradBeta = context.gradient(prefix + "/beta");
        gradBeta.assign(dFoldedBias);
        grads.put(prefix + "/W", gradW);
        grads.put(prefix + "/gamma", gradGamma);
        grads.put(prefix + "/beta", gradBeta);
        context.stop("batch norm gradient", t);
        if (!needInput) {
            return null;
        }
        if (dInput == null) {
            dInput = context.track(Nd4j.create(DataType.FLOAT, inShape));
        }
        t = context.start();
        conv.backwardData(g, dInput);
        context.stop("conv input gradient " + prefix, t);
        return dInput;
    }

    /** A weight array as [taps, channels]: output channels last ([kH, kW, in, out]) or depthwise ([kH, kW, C, 1]). */
    private INDArray matrix(INDArray w) {
        return w.reshape('c', taps, channels);
    }
}
