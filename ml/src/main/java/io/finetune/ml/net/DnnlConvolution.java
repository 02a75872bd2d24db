package io.finetune.ml.net;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.algorithm;
import static org.bytedeco.dnnl.global.dnnl.prop_kind;

/**
 * One oneDNN convolution of fixed shape on NHWC activations: dense or depthwise, TensorFlow "same" padding, with a
 * bias, and optionally ReLU6 and/or the sum of what the destination already holds (a residual) fused into it. The
 * weights are given in this project's layout ({@code [kH, kW, in, out]}, depthwise {@code [kH, kW, C, 1]}) and
 * reordered once into the layout the primitive chose; the backward passes (data, weights and bias) are created
 * on first use and need {@code training}.
 */
final class DnnlConvolution {
    private final stream stream;
    private final long[] strides;
    private final long[] padBefore;
    private final long[] padAfter;
    private final long[] weightDims;
    private final memory.desc src;
    private final memory.desc dst;
    private final memory.desc userWeights;
    private final memory.desc bias;
    private final convolution_forward.primitive_desc forwardDesc;
    private final primitive forward;
    private final memory srcMemory;
    private final memory dstMemory;
    private final memory biasMemory;
    private final memory weights;
    private final memory userWeightsMemory;
    private final OneDnn.Reorder loadWeights;
    private final IntMemoryMap forwardArgs;
    private final boolean relu6;
    private Backward backward;

    /**
     * @param inH  input height; the output is {@code ceil(inH / stride)}
     * @param sum  add the destination's prior content (a residual) to the result
     */
    DnnlConvolution(stream stream, int batch, int inH, int inW, int inC, int outC, int kernel, int stride,
                    boolean depthwise, boolean relu6, boolean sum, boolean training) {
        this.stream = stream;
        this.relu6 = relu6;
        int[] padH = MobileLayers.samePadding(inH, kernel, stride);
        int[] padW = MobileLayers.samePadding(inW, kernel, stride);
        int outH = MobileLayers.sameOutput(inH, stride);
        int outW = MobileLayers.sameOutput(inW, stride);
        if (depthwise && inC != outC) {
            throw new IllegalArgumentException("expected as many output as input channels for a depthwise "
                    + "convolution, found " + inC + " and " + outC);
        }
        strides = new long[]{stride, stride};
        padBefore = new long[]{padH[0], padW[0]};
        padAfter = new long[]{padH[1], padW[1]};
        src = OneDnn.nhwc(batch, inH, inW, inC);
        dst = OneDnn.nhwc(batch, outH, outW, outC);
        weightDims = depthwise ? new long[]{outC, 1, 1, kernel, kernel} : new long[]{outC, inC, kernel, kernel};
        userWeights = OneDnn.desc(weightDims, depthwise ? memory.format_tag.hwigo : memory.format_tag.hwio);
        memory.desc anyWeights = OneDnn.desc(weightDims, memory.format_tag.any);
        bias = OneDnn.desc(new long[]{outC}, memory.format_tag.x);
        post_ops ops = new post_ops();
        if (sum) {
            ops.append_sum();
        }
        if (relu6) {
            ops.append_eltwise(1f, algorithm.eltwise_clip_v2, 0f, MobileLayers.RELU6_CAP);
        }
        primitive_attr attr = new primitive_attr();
        attr.set_post_ops(ops);
        convolution_forward.desc d = new convolution_forward.desc(training ? prop_kind.forward_training
                : prop_kind.forward_inference, algorithm.convolution_direct, src, anyWeights, bias, dst, strides,
                padBefore, padAfter);
        forwardDesc = new convolution_forward.primitive_desc(d, attr, OneDnn.engine());
        forward = new convolution_forward(forwardDesc);
        srcMemory = OneDnn.unbound(src);
        dstMemory = OneDnn.unbound(dst);
        biasMemory = OneDnn.unbound(bias);
        weights = OneDnn.owned(forwardDesc.weights_desc());
        userWeightsMemory = OneDnn.unbound(userWeights);
        loadWeights = new OneDnn.Reorder(userWeightsMemory, weights);
        forwardArgs = OneDnn.args(DNNL_ARG_SRC, srcMemory, DNNL_ARG_WEIGHTS, weights, DNNL_ARG_BIAS, biasMemory,
                DNNL_ARG_DST, dstMemory);
    }

    /**
     * Frees the primitives and the buffers oneDNN owns (the weights in its layout) now rather than when the garbage
     * collector finds them: a retired model gives its native memory back at once. Not usable afterwards.
     */
    void close() {
        if (backward != null) {
            backward.close();
            backward = null;
        }
        // the argument maps and reorders hold references to the memories: free them first, so that the buffers go
        forwardArgs.close();
        loadWeights.close();
        forward.close();
        weights.close();
        forwardDesc.close();
    }

    /** Which implementation oneDNN chose for the forward pass (for logs and benchmarks). */
    String implementation() {
        return forwardDesc.impl_info_str().getString();
    }

    /** Loads weights in this project's layout (call again after they change). */
    void setWeights(INDArray w) {
        OneDnn.bind(userWeightsMemory, w);
        loadWeights.run(stream);
        if (backward != null) {
            backward.loaded = false;
        }
    }

    /** {@code out = act(conv(x) + bias [+ out])}. */
    void forward(INDArray x, INDArray biasValues, INDArray out) {
        OneDnn.bind(srcMemory, x);
        OneDnn.bind(biasMemory, biasValues);
        OneDnn.bind(dstMemory, out);
        OneDnn.run(forward, stream, forwardArgs);
    }

    /**
     * The gradient before the fused ReLU6, from the gradient after it and the forward output: {@code dOut} where
     * {@code 0 < out < 6}, else 0 (as TensorFlow and PyTorch define ReLU6's gradient).
     */
    void relu6Backward(INDArray out, INDArray dOut, INDArray dPre) {
        if (!relu6) {
            throw new IllegalStateException("expected a convolution with ReLU6");
        }
        Backward b = backward();
        OneDnn.bind(b.eltDst, out);
        OneDnn.bind(b.eltDiffDst, dOut);
        OneDnn.bind(b.eltDiffSrc, dPre);
        OneDnn.run(b.eltwise, stream, b.eltwiseArgs);
    }

    /** The input gradient from the gradient of the (pre-activation) output. */
    void backwardData(INDArray dPre, INDArray dInput) {
        Backward b = backward();
        if (!b.loaded) {
            b.loadDataWeights.run(stream);
            b.loaded = true;
        }
        OneDnn.bind(b.dataDiffDst, dPre);
        OneDnn.bind(b.dataDiffSrc, dInput);
        OneDnn.run(b.data, stream, b.dataArgs);
    }

    /** Gradients of the weights (written in this project's layout) and of the bias. */
    void backwardWeights(INDArray x, INDArray dPre, INDArray dWeights, INDArray dBias) {
        Backward b = backward();
        OneDnn.bind(b.weightsSrc, x);
        OneDnn.bind(b.weightsDiffDst, dPre);
        OneDnn.bind(b.diffBias, dBias);
        OneDnn.run(b.weights, stream, b.weightsArgs);
        OneDnn.bind(b.userDiffWeights, dWeights);
        b.storeDiffWeights.run(stream);
    }

    private Backward backward() {
        if (backward == null) {
            backward = new Backward();
        }
        return backward;
    }

    /** The backward primitives and their memories, made on first use. */
    private final class Backward {
        final primitive data;
        final primitive weights;
        final primitive eltwise;
        final memory dataDiffDst = OneDnn.unbound(dst);
        final memory dataDiffSrc = OneDnn.unbound(src);
        final memory dataWeights;
        final OneDnn.Reorder loadDataWeights;
        final IntMemoryMap dataArgs;
        final memory weightsSrc = OneDnn.unbound(src);
        final memory weightsDiffDst = OneDnn.unbound(dst);
        final memory diffWeights;
        final memory diffBias = OneDnn.unbound(bias);
        final memory userDiffWeights = OneDnn.unbound(userWeights);
        final OneDnn.Reorder storeDiffWeights;
        final IntMemoryMap weightsArgs;
        final memory eltDst = OneDnn.unbound(dst);
        final memory eltDiffDst = OneDnn.unbound(dst);
        final memory eltDiffSrc = OneDnn.unbound(dst);
        final IntMemoryMap eltwiseArgs;
        boolean loaded;

        Backward() {
            memory.desc anyWeights = OneDnn.desc(weightDims, memory.format_tag.any);
            convolution_backward_data.primitive_desc dataDesc = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(algorithm.convolution_direct, src, anyWeights, dst, strides,
                            padBefore, padAfter), OneDnn.engine(), forwardDesc);
            data = new convolution_backward_data(dataDesc);
            dataWeights = OneDnn.owned(dataDesc.weights_desc());
            loadDataWeights = new OneDnn.Reorder(userWeightsMemory, dataWeights);
            dataArgs = OneDnn.args(DNNL_ARG_DIFF_DST, dataDiffDst, DNNL_ARG_WEIGHTS, dataWeights, DNNL_ARG_DIFF_SRC,
                    dataDiffSrc);
            convolution_backward_weights.primitive_desc weightsDesc =
                    new convolution_backward_weights.primitive_desc(new convolution_backward_weights.desc(
                            algorithm.convolution_direct, src, anyWeights, bias, dst, strides, padBefore, padAfter),
                            OneDnn.engine(), forwardDesc);
            weights = new convolution_backward_weights(weightsDesc);
            diffWeights = OneDnn.owned(weightsDesc.diff_weights_desc());
            storeDiffWeights = new OneDnn.Reorder(diffWeights, userDiffWeights);
            weightsArgs = OneDnn.args(DNNL_ARG_SRC, weightsSrc, DNNL_ARG_DIFF_DST, weightsDiffDst,
                    DNNL_ARG_DIFF_WEIGHTS, diffWeights, DNNL_ARG_DIFF_BIAS, diffBias);
            eltwise_forward.primitive_desc hint = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                    prop_kind.forward_training, algorithm.eltwise_clip_v2_use_dst_for_bwd, dst, 0f,
                    MobileLayers.RELU6_CAP), OneDnn.engine());
            eltwise = new eltwise_backward(new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                    algorithm.eltwise_clip_v2_use_dst_for_bwd, dst, dst, 0f, MobileLayers.RELU6_CAP),
                    OneDnn.engine(), hint));
            eltwiseArgs = OneDnn.args(DNNL_ARG_DST, eltDst, DNNL_ARG_DIFF_DST, eltDiffDst, DNNL_ARG_DIFF_SRC,
                    eltDiffSrc);
        }

        void close() {
            dataArgs.close();
            weightsArgs.close();
            eltwiseArgs.close();
            loadDataWeights.close();
            storeDiffWeights.close();
            data.close();
            weights.close();
            eltwise.close();
            dataWeights.close();
            diffWeights.close();
        }
    }
}
