package io.finetune.ml.net;

import io.finetune.ml.net.Layers.Conv;
import io.finetune.ml.net.Layers.Dense;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a plain stack of convolution blocks and dense layers op by op on buffers allocated once per batch size, with
 * the backward pass written out by hand. It exists for speed: in DL4J 1.0.0-M2.1 SameDiff's {@code conv2d_bp}
 * lets oneDNN pick Winograd kernels in blocked layouts and reorders every activation in and out on each call
 * (10x the forward convolution), allocates and zero-fills every activation on every step, and always computes the
 * input gradient of the first convolution. Here:
 * <ul>
 *   <li>forward: {@code conv2d} (oneDNN brgconv on NHWC, no reorders), max pool, then ReLU on the pooled map
 *       (max pool and ReLU commute, and the pooled map is 4x smaller);</li>
 *   <li>input gradient: a forward {@code conv2d} of the output gradient with the kernel flipped and its channel
 *       axes swapped, padded by k-1, again on brgconv; skipped below the lowest trainable layer;</li>
 *   <li>weight gradient: k x k matrix products X[s:]^T G[:-s] over the input viewed as [B*H*W, C] rows, one per
 *       kernel offset s = ky*W + kx, with G the output gradient zero-padded to the input's height and width (the
 *       padding makes every offset a contiguous row range, so no im2col copy is made).</li>
 * </ul>
 * Supports {@link Conv} blocks without batch norm, stride 1 and valid padding, and {@link Dense} layers; anything
 * else runs on SameDiff ({@link #supports}). Not thread-safe: one caller at a time.
 */
final class DirectExecutor {
    private static final int CACHED_BATCH_SIZES = 2;

    private final List<Layer> layers;
    private final List<Shape> shapes;
    private final Map<String, INDArray> params;
    private final int lowestTrainable;
    private final Map<Integer, Buffers> buffers = new LinkedHashMap<>();
    private Map<String, Double> timings;

    /**
     * @param params          parameter arrays by name, read at every call (the caller updates them in place)
     * @param lowestTrainable index (within {@code from..to}) of the lowest layer needing gradients; layers below it
     *                        get no backward pass; {@code layers.size()} when only forward is used
     */
    DirectExecutor(Network network, int from, int to, Map<String, INDArray> params, int lowestTrainable) {
        this.layers = network.architecture().layers().subList(from, to);
        this.shapes = network.architecture().shapes(network.imageSize(), network.numClasses()).subList(from, to + 1);
        this.params = params;
        this.lowestTrainable = lowestTrainable;
    }

    static boolean supports(Architecture architecture, int from, int to) {
        for (Layer layer : architecture.layers().subList(from, to)) {
            boolean ok = layer instanceof Dense || layer instanceof Conv c && !c.batchNorm() && c.stride() == 1
                    && !c.samePadding();
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Accumulate milliseconds per op kind from now on (for profiling). */
    void recordTimings() {
        timings = new TreeMap<>();
    }

    Map<String, Double> timings() {
        return timings;
    }

    /** The last layer's output for {@code input}; the returned array is a buffer reused by the next call. */
    INDArray forward(INDArray input) {
        Buffers b = buffers(input.size(0));
        INDArray x = contiguous(input);
        for (int i = 0; i < layers.size(); i++) {
            b.inputs[i] = x;
            x = layers.get(i) instanceof Conv c ? convForward(c, b.conv[i], x) : denseForward((Dense) layers.get(i),
                    b.dense[i], x);
        }
        return x;
    }

    /**
     * Gradients of every parameter of the layers from {@code lowestTrainable} up, given the gradient of the last
     * layer's output; {@link #forward} must have run on the same batch just before.
     */
    Map<String, INDArray> backward(INDArray outputGradient) {
        Buffers b = buffers.get((int) outputGradient.size(0));
        Map<String, INDArray> grads = new LinkedHashMap<>();
        INDArray d = outputGradient;
        for (int i = layers.size() - 1; i >= lowestTrainable; i--) {
            boolean needInput = i > lowestTrainable;
            d = layers.get(i) instanceof Conv c ? convBackward(c, b.conv[i], b.inputs[i], d, needInput, grads)
                    : denseBackward((Dense) layers.get(i), b.dense[i], b.inputs[i], d, needInput, grads);
        }
        return grads;
    }

    private Buffers buffers(long batch) {
        int n = Math.toIntExact(batch);
        Buffers b = buffers.remove(n);
        if (b == null) {
            if (buffers.size() >= CACHED_BATCH_SIZES) {
                buffers.remove(buffers.keySet().iterator().next());
            }
            b = new Buffers(n);
        }
        buffers.put(n, b);
        return b;
    }

    // ---------------------------------------------------------------- convolution blocks

    private INDArray convForward(Conv c, ConvBuffers b, INDArray x) {
        long t = start();
        exec("conv2d", c.kernel(), 0, new INDArray[]{x, param(c.name() + "/W"), param(c.name() + "/b")}, b.conv);
        stop("conv2d", t);
        INDArray y = b.conv;
        if (c.maxPool()) {
            t = start();
            pool("maxpool2d", new INDArray[]{b.conv}, b.pooled);
            stop("maxpool2d", t);
            y = b.pooled;
        }
        if (c.relu()) {
            t = start();
            Nd4j.exec(DynamicCustomOp.builder("relu").addInputs(y).addOutputs(b.activated)
                    .addFloatingPointArguments(0.0d).build());
            stop("relu", t);
            y = b.activated;
        }
        return y;
    }

    private INDArray convBackward(Conv c, ConvBuffers b, INDArray x, INDArray dOut, boolean needInput,
                                  Map<String, INDArray> grads) {
        b.allocateBackward();
        INDArray d = dOut;
        if (c.relu()) {
            long t = start();
            INDArray preActivation = c.maxPool() ? b.pooled : b.conv;
            INDArray target = c.maxPool() ? b.dPooled : b.dConv;
            Nd4j.exec(DynamicCustomOp.builder("thresholdedrelu_bp").addInputs(preActivation, d).addOutputs(target)
                    .addFloatingPointArguments(0.0d).build());
            stop("relu_bp", t);
            d = target;
        }
        if (c.maxPool()) {
            long t = start();
            pool("maxpool2d_bp", new INDArray[]{b.conv, d}, b.dConv);
            stop("maxpool2d_bp", t);
            d = b.dConv;
        } else if (d != b.dConv) {
            b.dConv.assign(d);
            d = b.dConv;
        }
        long t = start();
        b.dConvInterior.assign(d);
        stop("pad gradient", t);

        INDArray w = param(c.name() + "/W");
        INDArray gradW = Nd4j.create(DataType.FLOAT, w.shape());
        long rows = b.batch * (long) b.in.height() * b.in.width();
        int channels = b.in.channels();
        INDArray xRows = x.reshape('c', new long[]{rows, channels});
        INDArray gRows = b.dConvPadded.reshape('c', new long[]{rows, c.filters()});
        t = start();
        for (int ky = 0; ky < c.kernel(); ky++) {
            for (int kx = 0; kx < c.kernel(); kx++) {
                long shift = (long) ky * b.in.width() + kx;
                INDArray xs = xRows.get(NDArrayIndex.interval(shift, rows), NDArrayIndex.all());
                INDArray gs = gRows.get(NDArrayIndex.interval(0, rows - shift), NDArrayIndex.all());
                INDArray out = Nd4j.create(DataType.FLOAT, channels, c.filters());
                matmul(xs, gs, out, true);
                gradW.get(NDArrayIndex.point(ky), NDArrayIndex.point(kx), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(out);
            }
        }
        stop("conv weight gradient", t);
        t = start();
        INDArray gradB = Nd4j.create(DataType.FLOAT, 1, c.filters());
        matmul(b.ones, b.dConv.reshape('c', new long[]{b.ones.size(1), c.filters()}), gradB, false);
        stop("conv bias gradient", t);
        grads.put(c.name() + "/W", gradW);
        grads.put(c.name() + "/b", gradB.reshape(c.filters()));
        if (!needInput) {
            return null;
        }
        t = start();
        exec("conv2d", c.kernel(), c.kernel() - 1, new INDArray[]{b.dConv, flipped(w, c.kernel())}, b.dInput);
        stop("conv input gradient", t);
        return b.dInput;
    }

    /** W'[ky, kx, out, in] = W[k-1-ky, k-1-kx, in, out]: the kernel of the transposed convolution. */
    private static INDArray flipped(INDArray w, int k) {
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

    // ---------------------------------------------------------------- dense layers

    private INDArray denseForward(Dense dense, DenseBuffers b, INDArray x) {
        long t = start();
        INDArray flat = x.reshape('c', new long[]{b.batch, b.inputSize});
        matmul(flat, param(dense.name() + "/W"), b.z, false);
        b.z.addiRowVector(param(dense.name() + "/b"));
        INDArray y = b.z;
        if (dense.relu()) {
            Nd4j.exec(DynamicCustomOp.builder("relu").addInputs(b.z).addOutputs(b.activated)
                    .addFloatingPointArguments(0.0d).build());
            y = b.activated;
        }
        stop("dense", t);
        return y;
    }

    private INDArray denseBackward(Dense dense, DenseBuffers b, INDArray x, INDArray dOut, boolean needInput,
                                   Map<String, INDArray> grads) {
        long t = start();
        INDArray dz = dOut;
        if (dense.relu()) {
            dz = Nd4j.create(DataType.FLOAT, b.z.shape());
            Nd4j.exec(DynamicCustomOp.builder("thresholdedrelu_bp").addInputs(b.z, dOut).addOutputs(dz)
                    .addFloatingPointArguments(0.0d).build());
        }
        INDArray flat = x.reshape('c', new long[]{b.batch, b.inputSize});
        INDArray w = param(dense.name() + "/W");
        INDArray gradW = Nd4j.create(DataType.FLOAT, w.shape());
        matmul(flat, dz, gradW, true);
        grads.put(dense.name() + "/W", gradW);
        grads.put(dense.name() + "/b", dz.sum(0));
        INDArray dInput = null;
        if (needInput) {
            dInput = Nd4j.create(DataType.FLOAT, b.batch, b.inputSize);
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(dz, w).addOutputs(dInput)
                    .addIntegerArguments(0, 1, 0).build());
            dInput = dInput.reshape('c', b.inputShape);
        }
        stop("dense backward", t);
        return dInput;
    }

    // ---------------------------------------------------------------- ops

    private INDArray param(String name) {
        INDArray p = params.get(name);
        if (p == null) {
            throw new IllegalStateException("expected parameter " + name + ", found none");
        }
        return p;
    }

    /** NHWC convolution, weights [kH, kW, in, out], stride 1, explicit padding. */
    private static void exec(String op, int kernel, int padding, INDArray[] inputs, INDArray output) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(inputs).addOutputs(output)
                .addIntegerArguments(kernel, kernel, 1, 1, padding, padding, 1, 1, 0, 1, 0).build());
    }

    /** Max pool 2x2 stride 2, same padding, NHWC. */
    private static void pool(String op, INDArray[] inputs, INDArray output) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(inputs).addOutputs(output)
                .addIntegerArguments(2, 2, 2, 2, 0, 0, 1, 1, 1, 0, 1).build());
    }

    private static void matmul(INDArray a, INDArray b, INDArray out, boolean transposeA) {
        Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(a, b).addOutputs(out)
                .addIntegerArguments(transposeA ? 1 : 0, 0, 0).build());
    }

    private static INDArray contiguous(INDArray input) {
        return input.isView() || input.ordering() != 'c' || input.dataType() != DataType.FLOAT
                ? input.castTo(DataType.FLOAT).dup('c') : input;
    }

    private long start() {
        return timings == null ? 0 : System.nanoTime();
    }

    private void stop(String op, long started) {
        if (timings != null) {
            timings.merge(op, (System.nanoTime() - started) / 1e6, Double::sum);
        }
    }

    // ---------------------------------------------------------------- buffers

    private final class Buffers {
        final INDArray[] inputs = new INDArray[layers.size()];
        final ConvBuffers[] conv = new ConvBuffers[layers.size()];
        final DenseBuffers[] dense = new DenseBuffers[layers.size()];

        Buffers(int batch) {
            for (int i = 0; i < layers.size(); i++) {
                if (layers.get(i) instanceof Conv c) {
                    conv[i] = new ConvBuffers(c, batch, shapes.get(i), shapes.get(i + 1));
                } else {
                    dense[i] = new DenseBuffers((Dense) layers.get(i), batch, shapes.get(i), shapes.get(i + 1));
                }
            }
        }
    }

    private static final class ConvBuffers {
        final int batch;
        final Shape in;
        final long[] convShape;
        final INDArray conv;
        final INDArray pooled;
        final INDArray activated;
        INDArray dPooled;
        INDArray dConv;
        INDArray dConvPadded;
        INDArray dConvInterior;
        INDArray dInput;
        INDArray ones;

        ConvBuffers(Conv c, int batch, Shape in, Shape out) {
            this.batch = batch;
            this.in = in;
            int h = in.height() - c.kernel() + 1;
            int w = in.width() - c.kernel() + 1;
            convShape = new long[]{batch, h, w, c.filters()};
            conv = Nd4j.create(DataType.FLOAT, convShape);
            pooled = c.maxPool() ? Nd4j.create(DataType.FLOAT, out.batchShape(batch)) : null;
            activated = c.relu() ? Nd4j.create(DataType.FLOAT, out.batchShape(batch)) : null;
        }

        void allocateBackward() {
            if (dConv != null) {
                return;
            }
            if (pooled != null) {
                dPooled = Nd4j.create(DataType.FLOAT, pooled.shape());
            }
            dConv = Nd4j.create(DataType.FLOAT, convShape);
            dConvPadded = Nd4j.zeros(DataType.FLOAT, batch, in.height(), in.width(), convShape[3]);
            dConvInterior = dConvPadded.get(NDArrayIndex.all(), NDArrayIndex.interval(0, convShape[1]),
                    NDArrayIndex.interval(0, convShape[2]), NDArrayIndex.all());
            dInput = Nd4j.create(DataType.FLOAT, in.batchShape(batch));
            ones = Nd4j.ones(DataType.FLOAT, 1, batch * convShape[1] * convShape[2]);
        }
    }

    private static final class DenseBuffers {
        final int batch;
        final long inputSize;
        final long[] inputShape;
        final INDArray z;
        final INDArray activated;

        DenseBuffers(Dense dense, int batch, Shape in, Shape out) {
            this.batch = batch;
            this.inputSize = in.size();
            this.inputShape = in.batchShape(batch);
            z = Nd4j.create(DataType.FLOAT, batch, out.size());
            activated = dense.relu() ? Nd4j.create(DataType.FLOAT, batch, out.size()) : null;
        }
    }
}
