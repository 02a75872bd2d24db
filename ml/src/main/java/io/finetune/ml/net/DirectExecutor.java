package io.finetune.ml.net;

import io.finetune.ml.net.Layers.Conv;
import io.finetune.ml.net.Layers.Dense;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
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
 *   <li>forward: {@code conv2d} (oneDNN brgconv on NHWC, no reorders), max pool, then ReLU in place on the pooled
 *       map (max pool and ReLU commute, and the pooled map is 4x smaller); layers with large outputs in sub-batches
 *       so that pooling reads the convolution's output from cache;</li>
 *   <li>input gradient: a forward {@code conv2d} of the output gradient with the kernel flipped and its channel
 *       axes swapped, padded by k-1, again on brgconv; skipped below the lowest trainable layer;</li>
 *   <li>weight gradient: for the first layer (few input channels) one matrix product over an im2col matrix that
 *       a forward convolution builds; for the others, k x k matrix products over shifted row ranges of the input
 *       and of the zero-padded output gradient, with no im2col copy;</li>
 *   <li>dense layers: each op built once per batch size and reused ({@link ReusableOp}).</li>
 * </ul>
 * Supports {@link Conv} blocks without batch norm, stride 1 and valid padding, and {@link Dense} layers; anything
 * else runs on SameDiff ({@link #supports}). Not thread-safe: one caller at a time.
 */
final class DirectExecutor {
    private static final int CACHED_BATCH_SIZES = 2;
    /** Up to this many kernel taps (k*k*C), the weight gradient goes through an im2col matrix (the first layer). */
    private static final int MAX_COLUMN_TAPS = 32;
    /**
     * Forward convolution output per sub-batch, about what stays in cache between convolution and pooling, for
     * layers whose whole-batch output is over {@link #LARGE_LAYER_FACTOR} times that. At 180 px and batch 32 only
     * conv1 (130 MB) qualifies and runs in sub-batches of 2 images: measured forward median 38.1-39.8 ms against
     * 39.4-40.7 ms with 16 MB sub-batches for conv1 and conv2 and 41.4 ms without sub-batches.
     */
    static final long CHUNK_BYTES = 8L << 20;
    private static final long LARGE_LAYER_FACTOR = 4;

    private final List<Layer> layers;
    private final List<Shape> shapes;
    private final Map<String, INDArray> params;
    private final int lowestTrainable;
    private final long chunkBytes;
    private final Map<Integer, Buffers> buffers = new LinkedHashMap<>();
    private final Map<String, INDArray> gradients = new HashMap<>();
    private Map<String, Double> timings;

    /**
     * @param params          parameter arrays by name, read at every call (the caller updates them in place)
     * @param lowestTrainable index (within {@code from..to}) of the lowest layer needing gradients; layers below it
     *                        get no backward pass; {@code layers.size()} when only forward is used
     */
    DirectExecutor(Network network, int from, int to, Map<String, INDArray> params, int lowestTrainable) {
        this(network, from, to, params, lowestTrainable, CHUNK_BYTES);
    }

    /** As above, writing each parameter's gradient into the given array (views of one buffer, for one update). */
    DirectExecutor(Network network, int from, int to, Map<String, INDArray> params, int lowestTrainable,
                   Map<String, INDArray> gradientBuffers) {
        this(network, from, to, params, lowestTrainable, CHUNK_BYTES);
        gradients.putAll(gradientBuffers);
    }

    /** As above, with convolution outputs of up to {@code chunkBytes} per forward sub-batch (tests use small ones). */
    DirectExecutor(Network network, int from, int to, Map<String, INDArray> params, int lowestTrainable,
                   long chunkBytes) {
        this.chunkBytes = chunkBytes;
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
            x = layers.get(i) instanceof Conv c ? convForward(c, b.conv[i], x, i >= lowestTrainable)
                    : denseForward((Dense) layers.get(i), b.dense[i], x);
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

    /**
     * Convolution, max pool, then ReLU in place on the pooled map. A layer with a large output runs the three over
     * sub-batches of {@link ConvBuffers#chunk} images, so pooling reads the convolution's output while it
     * is still in cache (at 180 px the first layer's output is 130 MB for 32 images). Not when {@code keepConv}
     * (the backward pass needs the whole pre-pool map): writing it in sub-batches measured slower (training
     * forward median 59 ms in 8 MB sub-batches against 46 ms whole). See {@link #CHUNK_BYTES}.
     */
    private INDArray convForward(Conv c, ConvBuffers b, INDArray x, boolean keepConv) {
        INDArray w = param(c.name() + "/W");
        INDArray bias = param(c.name() + "/b");
        long t = start();
        if (c.maxPool() && b.chunk < b.batch && !keepConv) {
            for (int first = 0; first < b.batch; first += b.chunk) {
                int n = Math.min(b.chunk, b.batch - first);
                INDArray convOut = images(b.chunkConv(), 0, n);
                exec("conv2d", c.kernel(), 0, new INDArray[]{images(x, first, n), w, bias}, convOut);
                INDArray pooled = images(b.pooled, first, n);
                pool("maxpool2d", new INDArray[]{convOut}, pooled);
                if (c.relu()) {
                    relu(pooled);
                }
            }
            stop("conv2d + maxpool2d + relu in sub-batches, " + c.name(), t);
            return b.pooled;
        }
        exec("conv2d", c.kernel(), 0, new INDArray[]{x, w, bias}, b.conv());
        stop("conv2d, " + c.name(), t);
        if (c.maxPool()) {
            t = start();
            pool("maxpool2d", new INDArray[]{b.conv()}, b.pooled);
            stop("maxpool2d", t);
        }
        INDArray y = c.maxPool() ? b.pooled : b.conv();
        if (c.relu()) {
            t = start();
            relu(y);
            stop("relu", t);
        }
        return y;
    }

    /** ReLU in place: relu_bp's mask is the same from the activation as from its input. */
    private static void relu(INDArray x) {
        Nd4j.exec(DynamicCustomOp.builder("relu").addInputs(x).addOutputs(x).addFloatingPointArguments(0.0d).build());
    }

    /** Images {@code first .. first+count-1} of an NHWC batch: a contiguous view. */
    private static INDArray images(INDArray batch, int first, int count) {
        return first == 0 && count == batch.size(0) ? batch
                : batch.get(NDArrayIndex.interval(first, first + count), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all());
    }

    private INDArray convBackward(Conv c, ConvBuffers b, INDArray x, INDArray dOut, boolean needInput,
                                  Map<String, INDArray> grads) {
        b.allocateBackward();
        INDArray d = dOut;
        if (c.relu()) {
            long t = start();
            INDArray activation = c.maxPool() ? b.pooled : b.conv();
            INDArray target = c.maxPool() ? b.dPooled : b.dConv;
            Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(activation, d).addOutputs(target)
                    .addFloatingPointArguments(0.0d).build());
            stop("relu_bp", t);
            d = target;
        }
        if (c.maxPool()) {
            long t = start();
            pool("maxpool2d_bp", new INDArray[]{b.conv(), d}, b.dConv);
            stop("maxpool2d_bp", t);
            d = b.dConv;
        } else if (d != b.dConv) {
            b.dConv.assign(d);
            d = b.dConv;
        }
        INDArray w = param(c.name() + "/W");
        INDArray gradW;
        INDArray gradB;
        if (b.columns != null) {
            INDArray[] g = weightGradientFromColumns(c, b, x);
            gradW = g[0];
            gradB = g[1];
        } else {
            gradW = weightGradientFromShiftedRows(c, b, x);
            long t = start();
            gradB = gradient(c.name() + "/b").reshape(1, c.filters());
            matmul(b.ones, b.dConv.reshape('c', new long[]{b.ones.size(1), c.filters()}), gradB, false);
            stop("conv bias gradient", t);
        }
        grads.put(c.name() + "/W", gradW);
        grads.put(c.name() + "/b", gradient(c.name() + "/b"));
        if (!needInput) {
            return null;
        }
        long t = start();
        exec("conv2d", c.kernel(), c.kernel() - 1, new INDArray[]{b.dConv, flipped(w, c.kernel())}, b.dInput);
        stop("conv input gradient", t);
        return b.dInput;
    }

    /**
     * For a layer with few input taps (the first convolution: 3x3x3 = 27): the im2col matrix comes from a forward
     * convolution with a 0/1 selection kernel plus a constant-1 column from its bias, so one matrix product gives
     * the weight gradient and, in its last row, the bias gradient, with no padded copy of the output gradient.
     */
    private INDArray[] weightGradientFromColumns(Conv c, ConvBuffers b, INDArray x) {
        long t = start();
        exec("conv2d", c.kernel(), 0, new INDArray[]{x, b.selection, b.selectionBias}, b.columns);
        stop("conv im2col", t);
        t = start();
        long rows = b.columns.length() / b.columns.size(3);
        INDArray product = b.columnProduct;
        matmul(b.columns.reshape('c', new long[]{rows, b.columns.size(3)}),
                b.dConv.reshape('c', new long[]{rows, c.filters()}), product, true);
        int taps = c.kernel() * c.kernel() * b.in.channels();
        INDArray gradW = gradient(c.name() + "/W");
        gradW.assign(product.get(NDArrayIndex.interval(0, taps), NDArrayIndex.all())
                .reshape('c', new long[]{c.kernel(), c.kernel(), b.in.channels(), c.filters()}));
        INDArray gradB = gradient(c.name() + "/b");
        gradB.assign(product.get(NDArrayIndex.point(taps), NDArrayIndex.all()));
        stop("conv weight gradient, " + c.name(), t);
        return new INDArray[]{gradW, gradB};
    }

    /**
     * k x k matrix products X[s:]^T G[:-s], one per kernel offset s = ky*W + kx, over the input viewed as
     * [B*H*W, C] rows and the output gradient zero-padded to the input's height and width: the padding makes every
     * offset a contiguous row range of both, so nothing is copied per offset.
     */
    private INDArray weightGradientFromShiftedRows(Conv c, ConvBuffers b, INDArray x) {
        long t = start();
        b.dConvInterior.assign(b.dConv);
        stop("pad gradient", t);
        INDArray gradW = gradient(c.name() + "/W");
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
                INDArray out = b.offsetProducts[ky * c.kernel() + kx];
                matmul(xs, gs, out, true);
                gradW.get(NDArrayIndex.point(ky), NDArrayIndex.point(kx), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(out);
            }
        }
        stop("conv weight gradient, " + c.name(), t);
        return gradW;
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

    /**
     * Matrix product, bias and ReLU, the last two in place. Not libnd4j's fused {@code relu_layer} or
     * {@code xw_plus_b}: their oneDNN inner product reorders the weight matrix on every call (dense1: 1.6 MB),
     * which made them slower than the three ops (batch 32: 224-330 us against 160-235 us; batch 1: 150-240 us
     * against 50 us).
     */
    private INDArray denseForward(Dense dense, DenseBuffers b, INDArray x) {
        long t = start();
        INDArray flat = x.reshape('c', new long[]{b.batch, b.inputSize});
        INDArray w = param(dense.name() + "/W");
        INDArray bias = param(dense.name() + "/b");
        b.op("product", () -> new ReusableOp("matmul", new INDArray[]{flat, w}, new INDArray[]{b.z}).ints(0, 0, 0))
                .input(0, flat).run();
        b.op("bias", () -> new ReusableOp("biasadd", new INDArray[]{b.z, bias}, new INDArray[]{b.z}).ints(0)).run();
        if (dense.relu()) {
            // in place: relu_bp's mask is the same from the activation as from its input
            b.op("relu", () -> new ReusableOp("relu", new INDArray[]{b.z}, new INDArray[]{b.z}).floats(0.0)).run();
        }
        stop("dense", t);
        return b.z;
    }

    private INDArray denseBackward(Dense dense, DenseBuffers b, INDArray x, INDArray dOut, boolean needInput,
                                   Map<String, INDArray> grads) {
        long t = start();
        INDArray dz = dOut;
        if (dense.relu()) {
            dz = b.dz();
            INDArray target = dz;
            b.op("relu_bp", () -> new ReusableOp("relu_bp", new INDArray[]{b.z, dOut},
                    new INDArray[]{target}).floats(0.0)).input(1, dOut).run();
        }
        INDArray flat = x.reshape('c', new long[]{b.batch, b.inputSize});
        INDArray w = param(dense.name() + "/W");
        INDArray gradW = gradient(dense.name() + "/W");
        INDArray gradB = gradient(dense.name() + "/b");
        INDArray g = dz;
        b.op("weight gradient", () -> new ReusableOp("matmul", new INDArray[]{flat, g}, new INDArray[]{gradW})
                .ints(1, 0, 0)).input(0, flat).input(1, dz).run();
        b.op("bias gradient", () -> new ReusableOp("reduce_sum", new INDArray[]{g}, new INDArray[]{gradB}).ints(0))
                .input(0, dz).run();
        grads.put(dense.name() + "/W", gradW);
        grads.put(dense.name() + "/b", gradB);
        INDArray dInput = null;
        if (needInput) {
            INDArray target = b.dInput();
            b.op("input gradient", () -> new ReusableOp("matmul", new INDArray[]{g, w}, new INDArray[]{target})
                    .ints(0, 1, 0)).input(0, dz).run();
            dInput = target.reshape('c', b.inputShape);
        }
        stop("dense backward", t);
        return dInput;
    }

    // ---------------------------------------------------------------- ops

    /** The gradient buffer of a parameter, reused by every step (callers consume gradients before the next). */
    private INDArray gradient(String name) {
        return gradients.computeIfAbsent(name, n -> Nd4j.create(DataType.FLOAT, param(n).shape()));
    }

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
                    conv[i] = new ConvBuffers(c, batch, shapes.get(i), shapes.get(i + 1), chunkBytes);
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
        /** Images per sub-batch of the forward convolution and pooling ({@link #convForward}). */
        final int chunk;
        final INDArray pooled;
        private INDArray conv;
        private INDArray chunkConv;
        INDArray dPooled;
        INDArray dConv;
        INDArray dConvPadded;
        INDArray dConvInterior;
        INDArray dInput;
        INDArray ones;
        INDArray columns;
        INDArray selection;
        INDArray selectionBias;
        INDArray[] offsetProducts;
        INDArray columnProduct;
        private final int kernel;

        ConvBuffers(Conv c, int batch, Shape in, Shape out, long chunkBytes) {
            this.batch = batch;
            this.kernel = c.kernel();
            this.in = in;
            int h = in.height() - c.kernel() + 1;
            int w = in.width() - c.kernel() + 1;
            convShape = new long[]{batch, h, w, c.filters()};
            long imageBytes = 4L * h * w * c.filters();
            chunk = imageBytes * batch > LARGE_LAYER_FACTOR * chunkBytes
                    ? (int) Math.max(1, Math.min(batch, chunkBytes / imageBytes)) : batch;
            pooled = c.maxPool() ? Nd4j.create(DataType.FLOAT, out.batchShape(batch)) : null;
        }

        /** The whole batch's convolution output (before pooling), allocated on first use. */
        INDArray conv() {
            if (conv == null) {
                conv = Nd4j.create(DataType.FLOAT, convShape);
            }
            return conv;
        }

        INDArray chunkConv() {
            if (chunkConv == null) {
                chunkConv = Nd4j.create(DataType.FLOAT, chunk, convShape[1], convShape[2], convShape[3]);
            }
            return chunkConv;
        }

        void allocateBackward() {
            if (dConv != null) {
                return;
            }
            if (pooled != null) {
                dPooled = Nd4j.create(DataType.FLOAT, pooled.shape());
            }
            dConv = Nd4j.create(DataType.FLOAT, convShape);
            dInput = Nd4j.create(DataType.FLOAT, in.batchShape(batch));
            int taps = kernel * kernel * in.channels();
            if (taps <= MAX_COLUMN_TAPS) {
                columns = Nd4j.create(DataType.FLOAT, batch, convShape[1], convShape[2], taps + 1);
                float[] select = new float[taps * (taps + 1)];
                for (int tap = 0; tap < taps; tap++) {
                    select[tap * (taps + 1) + tap] = 1f;
                }
                selection = Nd4j.create(select, new long[]{kernel, kernel, in.channels(), taps + 1}, 'c');
                selectionBias = Nd4j.zeros(DataType.FLOAT, taps + 1);
                selectionBias.putScalar(taps, 1f);
                columnProduct = Nd4j.create(DataType.FLOAT, taps + 1, convShape[3]);
            } else {
                dConvPadded = Nd4j.zeros(DataType.FLOAT, batch, in.height(), in.width(), convShape[3]);
                dConvInterior = dConvPadded.get(NDArrayIndex.all(), NDArrayIndex.interval(0, convShape[1]),
                        NDArrayIndex.interval(0, convShape[2]), NDArrayIndex.all());
                ones = Nd4j.ones(DataType.FLOAT, 1, batch * convShape[1] * convShape[2]);
                offsetProducts = new INDArray[kernel * kernel];
                for (int i = 0; i < offsetProducts.length; i++) {
                    offsetProducts[i] = Nd4j.create(DataType.FLOAT, in.channels(), convShape[3]);
                }
            }
        }
    }

    private static final class DenseBuffers {
        final int batch;
        final long inputSize;
        final long[] inputShape;
        /** The layer's output: after ReLU for a ReLU layer. */
        final INDArray z;
        private final Map<String, ReusableOp> ops = new HashMap<>();
        private INDArray dz;
        private INDArray dInput;

        DenseBuffers(Dense dense, int batch, Shape in, Shape out) {
            this.batch = batch;
            this.inputSize = in.size();
            this.inputShape = in.batchShape(batch);
            z = Nd4j.create(DataType.FLOAT, batch, out.size());
        }

        /** This layer's op of that role, built on first use and reused with these buffers afterwards. */
        ReusableOp op(String role, java.util.function.Supplier<ReusableOp> build) {
            return ops.computeIfAbsent(role, r -> build.get());
        }

        INDArray dz() {
            if (dz == null) {
                dz = Nd4j.create(DataType.FLOAT, z.shape());
            }
            return dz;
        }

        INDArray dInput() {
            if (dInput == null) {
                dInput = Nd4j.create(DataType.FLOAT, batch, inputSize);
            }
            return dInput;
        }
    }
}
