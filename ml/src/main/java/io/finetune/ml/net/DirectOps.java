package io.finetune.ml.net;

import io.finetune.ml.net.Layers.Conv;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** The libnd4j ops the direct executor's steps run, each on arrays the caller allocated (NHWC maps). */
final class DirectOps {
    private DirectOps() {
    }

    /** ReLU in place: relu_bp's mask is the same from the activation as from its input. */
    static void relu(INDArray x) {
        Nd4j.exec(DynamicCustomOp.builder("relu").addInputs(x).addOutputs(x).addFloatingPointArguments(0.0d).build());
    }

    /** relu_bp: {@code dOut} where {@code activation} is positive, else 0, into {@code out}. */
    static void reluBackward(INDArray activation, INDArray dOut, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(activation, dOut).addOutputs(out)
                .addFloatingPointArguments(0.0d).build());
    }

    /** Images {@code first .. first+count-1} of an NHWC batch: a contiguous view. */
    static INDArray images(INDArray batch, int first, int count) {
        return BatchRows.rows(batch, first, first + count);
    }

    /** W'[ky, kx, out, in] = W[k-1-ky, k-1-kx, in, out]: the kernel of the transposed convolution. */
    static INDArray flipped(INDArray w, int k) {
        int in = (int) w.size(2);
        int out = (int) w.size(3);
        float[] src = w.ravel().toFloatVector();
        float[] dst = new float[src.length];
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                int from = ((k - 1 - ky) * k + (k - 1 - kx)) * in * out;
                int to = (ky * k + kx) * in * out;
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        dst[to + o * in + i] = src[from + i * out + o];
                    }
                }
            }
        }
        return Nd4j.create(dst, new long[]{k, k, out, in}, 'c');
    }

    /**
     * NHWC convolution, weights [kH, kW, in, out]: {@code padding} zeros on every side, or, when {@code same}, the
     * padding that gives ceil(size / stride) outputs.
     */
    static void convolve(int stride, int padding, boolean same, INDArray[] inputs, INDArray output) {
        int kernel = (int) inputs[1].size(0);
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(inputs).addOutputs(output)
                .addIntegerArguments(kernel, kernel, stride, stride, padding, padding, 1, 1, same ? 1 : 0, 1, 0)
                .build());
    }

    /**
     * Layer {@code c}'s convolution of {@code inputs} (input, kernel[, bias]): explicit padding at stride 1,
     * libnd4j's own "same" padding (TensorFlow's: the extra row and column at the bottom and right) when strided.
     */
    static void convolve(Conv c, INDArray[] inputs, INDArray output) {
        convolve(c.stride(), c.padding(), c.stride() > 1 && c.samePadding(), inputs, output);
    }

    /** Max pool 2x2 stride 2, same padding, NHWC ({@code maxpool2d} or {@code maxpool2d_bp}). */
    static void pool(String op, INDArray[] inputs, INDArray output) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(inputs).addOutputs(output)
                .addIntegerArguments(2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 1).build());
    }

    static void matmul(INDArray a, INDArray b, INDArray out, boolean transposeA) {
        Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(a, b).addOutputs(out)
                .addIntegerArguments(transposeA ? 1 : 0, 0, 0).build());
    }

    /** libnd4j's batchnorm over the last (channel) axis, NHWC: (x - mean) / sqrt(variance + eps) * gamma + beta. */
    static void batchNorm(INDArray x, INDArray mean, INDArray variance, INDArray gamma, INDArray beta,
                          INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("batchnorm").addInputs(x, mean, variance, gamma, beta).addOutputs(out)
                .addIntegerArguments(1, 1, x.rank() - 1).addFloatingPointArguments(GraphBuilder.BATCH_NORM_EPSILON)
                .build());
    }

    /** An element-wise op with broadcasting ([rows, C] with [1, C]), e.g. {@code add}, {@code multiply}. */
    static void binary(String op, INDArray a, INDArray b, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(a, b).addOutputs(out).build());
    }
}
