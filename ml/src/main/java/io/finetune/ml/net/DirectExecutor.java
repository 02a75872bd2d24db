package io.finetune.ml.net;

import io.finetune.ml.net.Layers.Conv;
import io.finetune.ml.net.Layers.Dense;
import io.finetune.ml.net.Layers.GlobalAveragePool;
import io.finetune.ml.net.Layers.Residual;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs a stack of convolution blocks, residual blocks, global average pooling and dense layers op by op on buffers
 * allocated once per batch size, with the backward pass written out by hand. It exists for speed: in DL4J
 * 1.0.0-M2.1 SameDiff's {@code conv2d_bp} lets oneDNN pick Winograd kernels in blocked layouts and reorders every
 * activation in and out on each call (10x the forward convolution), allocates and zero-fills every activation on
 * every step, and always computes the input gradient of the first convolution. Here:
 * <ul>
 *   <li>forward: {@code conv2d} (oneDNN brgconv on NHWC, no reorders), max pool, then ReLU in place on the pooled
 *       map (max pool and ReLU commute, and the pooled map is 4x smaller); layers with large outputs in sub-batches
 *       so that pooling reads the convolution's output from cache;</li>
 *   <li>batch norm (after the pool): batch moments as matrix products with a ones row, normalization by oneDNN's
 *       {@code batchnorm} op, running statistics updated in place with momentum
 *       {@link GraphBuilder#BATCH_NORM_MOMENTUM}; the backward pass written out, the normalized map recomputed
 *       by the same op;</li>
 *   <li>input gradient: a forward {@code conv2d} of the output gradient with the kernel flipped and its channel
 *       axes swapped, padded by k-1-p, again on brgconv; skipped below the lowest trainable layer;</li>
 *   <li>weight gradient: for the first layer (few input channels) one matrix product over an im2col matrix that
 *       a forward convolution builds; for the others, k x k matrix products over shifted row ranges of the
 *       (zero-padded) input and of the zero-padded output gradient, with no im2col copy;</li>
 *   <li>dense layers: each op built once per batch size and reused ({@link ReusableOp}).</li>
 * </ul>
 * Supports {@link Conv} blocks (valid or same padding, with or without batch norm; strided only as the first
 * layer), {@link Residual} blocks, {@link GlobalAveragePool} and {@link Dense} layers; anything else runs on
 * SameDiff ({@link #supports}).
 * Not thread-safe: one caller at a time.
 */
final class DirectExecutor implements StepContext {
    private static final int CACHED_BATCH_SIZES = 2;
    /** Up to this many kernel taps (k*k*C), the weight gradient goes through an im2col matrix (the first layer). */
    private static final int MAX_COLUMN_TAPS = 32;
    /**
     * Forward convolution output per sub-batch, about what stays in cache between convolution and pooling, for
     * layers whose whole-batch output is over {@link #LARGE_LAYER_FACTOR} times that. At 180 px and batch 32 only
     * conv1 (130 MB) qualifies and runs in sub-batches of 2 images: measured forward median 38.1-39.8 ms against
     * 39.4-40.7 ms with 16 MB sub-batches for conv1 and conv2 and 41.4 ms without sub-batches. This serves the
     * frozen layers of an uncached fine-tuning step; inference graphs run the whole network in sub-batches
     * ({@link DirectInferenceGraph#SUB_BATCH_BYTES}), within which no layer qualifies.
     */
    static final long CHUNK_BYTES = 8L << 20;
    private static final long LARGE_LAYER_FACTOR = 4;

    private final List<Layer> layers;
    private final List<Shape> shapes;
    private final Map<String, INDArray> params;
    private final int lowestTrainable;
    private final Set<String> batchStatisticLayers;
    private final long chunkBytes;
    private final Map<Integer, Buffers> buffers = new LinkedHashMap<>();
    private final Map<String, INDArray> gradients = new HashMap<>();
    /** What {@link #close} frees: weakly held, so that buffers replaced while training are still collected. */
    private final List<java.lang.ref.WeakReference<INDArray>> allocated = new java.util.ArrayList<>();
    private final List<java.lang.ref.WeakReference<DnnlConvolution>> convolutions = new java.util.ArrayList<>();
    private INDArray ones;
    private Map<String, Double> timings;
    private org.bytedeco.dnnl.stream stream;

    /**
     * For inference: every batch norm uses its running statistics.
     *
     * @param params          parameter arrays by name, read at every call (the caller updates them in place)
     * @param lowestTrainable index (within {@code from..to}) of the lowest layer needing gradients; layers below it
     *                        get no backward pass; {@code layers.size()} when only forward is used
     */
    DirectExecutor(Network network, int from, int to, Map<String, INDArray> params, int lowestTrainable) {
        this(network, from, to, params, lowestTrainable, Set.of(), CHUNK_BYTES);
    }

    /**
     * For training: batch norm of the layers named in {@code batchStatisticLayers} normalizes with the batch moments
     * and moves the running statistics (in {@code params}) towards them; each parameter's gradient is written into
     * the given array (views of one buffer, for one update).
     */
    DirectExecutor(Network network, int from, int to, Map<String, INDArray> params, int lowestTrainable,
                   Set<String> batchStatisticLayers, Map<String, INDArray> gradientBuffers) {
        this(network, from, to, params, lowestTrainable, batchStatisticLayers, CHUNK_BYTES);
        gradients.putAll(gradientBuffers);
    }

    /** As above, with convolution outputs of up to {@code chunkBytes} per forward sub-batch (tests use small ones). */
    DirectExecutor(Network network, int from, int to, Map<String, INDArray> params, int lowestTrainable,
                   Set<String> batchStatisticLayers, long chunkBytes) {
        this.chunkBytes = chunkBytes;
        this.layers = network.architecture().layers().subList(from, to);
        this.shapes = network.architecture().shapes(network.imageSize(), network.numClasses()).subList(from, to + 1);
        this.params = params;
        this.lowestTrainable = lowestTrainable;
        this.batchStatisticLayers = Set.copyOf(batchStatisticLayers);
    }

    /**
     * Bytes per image of the largest map a forward pass writes: a convolution's output before its pool (4x the
     * pooled map), otherwise a layer's output.
     */
    long largestMapBytesPerImage() {
        long largest = 4L * shapes.get(0).size();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (isMobile(layer)) {
                largest = Math.max(largest, MobileSteps.largestMapBytes(layer, shapes.get(i)));
                continue;
            }
            boolean pooled = layer instanceof Conv c && c.maxPool();
            largest = Math.max(largest, 4L * shapes.get(i + 1).size() * (pooled ? 4 : 1));
        }
        return largest;
    }

    /**
     * Every layer kind above, with strided convolutions only as the network's first layer with few input taps:
     * there no input gradient is ever needed and the weight gradient goes through a strided im2col matrix.
     */
    static boolean supports(Architecture architecture, int from, int to) {
        for (int i = from; i < to; i++) {
            Layer layer = architecture.layers().get(i);
            boolean ok = layer instanceof Dense || layer instanceof Residual || layer instanceof GlobalAveragePool
                    || isMobile(layer) || layer instanceof Conv c && (c.stride() == 1
                    || i == 0 && c.kernel() * c.kernel() * 3 <= MAX_COLUMN_TAPS);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isMobile(Layer layer) {
        return layer instanceof MobileLayers.ConvBn || layer instanceof MobileLayers.MBConv;
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
        INDArray x = BatchRows.plain(input);
        for (int i = 0; i < layers.size(); i++) {
            b.inputs[i] = x;
            x = b.steps[i].forward(x, i >= lowestTrainable);
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
            d = b.steps[i].backward(b.inputs[i], d, i > lowestTrainable, grads);
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

    private final class Buffers {
        final INDArray[] inputs = new INDArray[layers.size()];
        final ExecutorStep[] steps = new ExecutorStep[layers.size()];

        Buffers(int batch) {
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                Shape in = shapes.get(i);
                boolean batchStatistics = batchStatisticLayers.contains(layer.name());
                if (isMobile(layer)) {
                    steps[i] = MobileSteps.of(DirectExecutor.this, layer, batch, in, i >= lowestTrainable);
                } else if (layer instanceof Conv c) {
                    steps[i] = new ConvUnit(c, batch, in, batchStatistics);
                } else if (layer instanceof Residual r) {
                    steps[i] = new ResidualBlock(r, batch, in, batchStatistics);
                } else if (layer instanceof GlobalAveragePool) {
                    steps[i] = new AveragePool(batch, in);
                } else {
                    steps[i] = new DenseStep((Dense) layer, batch, in, shapes.get(i + 1));
                }
            }
        }
    }

    // ---------------------------------------------------------------- convolution blocks

    /**
     * Convolution, max pool, batch norm, ReLU (each but the convolution optional) on one batch size's buffers.
     * Without batch norm, ReLU runs in place on the pooled map. A pooled layer with a large output runs
     * convolution and pooling over sub-batches of {@link #chunk} images, so pooling reads the convolution's output
     * while it is still in cache (at 180 px the first layer's output is 130 MB for 32 images). Not when the
     * backward pass needs the whole pre-pool map: writing it in sub-batches measured slower (training forward
     * median 59 ms in 8 MB sub-batches against 46 ms whole). See {@link #CHUNK_BYTES}.
     */
    private final class ConvUnit implements ExecutorStep {
        final Conv c;
        final int batch;
        final Shape in;
        final int pad;
        final boolean batchStatistics;
        final long[] convShape;
        final int chunk;
        final INDArray pooled;
        private INDArray conv;
        private INDArray chunkConv;
        /** Batch norm: output, normalized map (recomputed for the backward pass), the mean and variance used. */
        private INDArray normOut;
        private INDArray normalized;
        private INDArray scratch;
        private final INDArray sums;
        private final INDArray mean;
        private final INDArray variance;
        private INDArray unitScale;
        private INDArray zeroShift;
        private INDArray unitVariance;
        private INDArray output;
        private INDArray dMasked;
        private INDArray dPre;
        private INDArray dConv;
        private INDArray dConvPadded;
        private INDArray dConvInterior;
        private INDArray xPadded;
        private INDArray xInterior;
        private INDArray dInput;
        private INDArray columns;
        private INDArray selection;
        private INDArray selectionBias;
        private INDArray columnProduct;
        private INDArray weightRows;

        ConvUnit(Conv c, int batch, Shape in, boolean batchStatistics) {
            this.c = c;
            this.batch = batch;
            this.in = in;
            this.pad = c.padding();
            this.batchStatistics = batchStatistics;
            Shape convOut = new Conv(c.name(), c.kernel(), c.filters(), c.stride(), c.samePadding(), false, false,
                    false).outputShape(in, 0);
            int h = convOut.height();
            int w = convOut.width();
            convShape = new long[]{batch, h, w, c.filters()};
            long imageBytes = 4L * h * w * c.filters();
            chunk = imageBytes * batch > LARGE_LAYER_FACTOR * chunkBytes
                    ? (int) Math.max(1, Math.min(batch, chunkBytes / imageBytes)) : batch;
            pooled = c.maxPool() ? track(Nd4j.create(DataType.FLOAT, batch, (h + 1) / 2, (w + 1) / 2, c.filters()))
                    : null;
            sums = c.batchNorm() ? track(Nd4j.create(DataType.FLOAT, 1, c.filters())) : null;
            mean = c.batchNorm() ? track(Nd4j.create(DataType.FLOAT, c.filters())) : null;
            variance = c.batchNorm() ? track(Nd4j.create(DataType.FLOAT, c.filters())) : null;
        }

        /**
         * This layer's convolution of {@code inputs} (input, kernel[, bias]): explicit padding at stride 1, libnd4j's
         * own "same" padding (TensorFlow's: the extra row and column at the bottom and right) when strided.
         */
        private void forwardConvolution(INDArray[] inputs, INDArray output) {
            convolve(c.stride(), pad, c.stride() > 1 && c.samePadding(), inputs, output);
        }

        /** The whole batch's convolution output (before pooling), allocated on first use. */
        INDArray conv() {
            if (conv == null) {
                conv = track(Nd4j.create(DataType.FLOAT, convShape));
            }
            return conv;
        }

        /** The map batch norm reads: pooled, or the convolution's output. */
        private INDArray preNorm() {
            return c.maxPool() ? pooled : conv();
        }

        /** The output of the last forward pass (after ReLU when the block has one). */
        INDArray output() {
            return output;
        }

        @Override
        public INDArray forward(INDArray x, boolean keep) {
            INDArray w = param(c.name() + "/W");
            INDArray[] convInputs = c.batchNorm() ? new INDArray[]{x, w}
                    : new INDArray[]{x, w, param(c.name() + "/b")};
            boolean reluDone = false;
            long t = start();
            if (c.maxPool() && chunk < batch && !keep) {
                if (chunkConv == null) {
                    chunkConv = track(Nd4j.create(DataType.FLOAT, chunk, convShape[1], convShape[2],
                            convShape[3]));
                }
                for (int first = 0; first < batch; first += chunk) {
                    int n = Math.min(chunk, batch - first);
                    INDArray convOut = images(chunkConv, 0, n);
                    INDArray[] inputs = convInputs.clone();
                    inputs[0] = images(x, first, n);
                    forwardConvolution(inputs, convOut);
                    INDArray pooledPart = images(pooled, first, n);
                    pool("maxpool2d", new INDArray[]{convOut}, pooledPart);
                    if (c.relu() && !c.batchNorm()) {
                        relu(pooledPart);
                    }
                }
                reluDone = !c.batchNorm();
                stop("conv2d + maxpool2d in sub-batches, " + c.name(), t);
            } else {
                forwardConvolution(convInputs, conv());
                stop("conv2d, " + c.name(), t);
                if (c.maxPool()) {
                    t = start();
                    pool("maxpool2d", new INDArray[]{conv()}, pooled);
                    stop("maxpool2d", t);
                }
            }
            INDArray y = preNorm();
            if (c.batchNorm()) {
                t = start();
                y = normalize(y);
                stop("batch norm", t);
            }
            if (c.relu() && !reluDone) {
                t = start();
                relu(y);
                stop("relu", t);
            }
            output = y;
            return y;
        }

        /**
         * Batch norm over the channels of {@code pre} into {@link #normOut}: with the batch's mean and variance
         * (moving the running statistics towards them), or with the running ones. The moments are matrix products
         * with a ones row (variance of the centred map, not E[x^2] - mean^2); the per-channel arithmetic runs in Java
         * on C floats; the normalization is libnd4j's {@code batchnorm} op (oneDNN, one pass).
         */
        private INDArray normalize(INDArray pre) {
            int channels = c.filters();
            long rows = pre.length() / channels;
            if (normOut == null) {
                normOut = track(Nd4j.create(DataType.FLOAT, pre.shape()));
            }
            float[] runningMean = param(c.name() + "/mean").toFloatVector();
            float[] runningVar = param(c.name() + "/var").toFloatVector();
            if (batchStatistics) {
                if (scratch == null) {
                    scratch = track(Nd4j.create(DataType.FLOAT, pre.shape()));
                }
                INDArray p = pre.reshape('c', rows, channels);
                INDArray squares = scratch.reshape('c', rows, channels);
                matmul(ones(rows), p, sums, false);
                float[] m = sums.toFloatVector();
                for (int k = 0; k < channels; k++) {
                    m[k] /= rows;
                }
                mean.assign(Nd4j.createFromArray(m));
                binary("subtract", p, mean.reshape(1, channels), squares);
                binary("multiply", squares, squares, squares);
                matmul(ones(rows), squares, sums, false);
                float[] v = sums.toFloatVector();
                double momentum = GraphBuilder.BATCH_NORM_MOMENTUM;
                for (int k = 0; k < channels; k++) {
                    v[k] /= rows;
                    runningMean[k] = (float) (momentum * runningMean[k] + (1 - momentum) * m[k]);
                    runningVar[k] = (float) (momentum * runningVar[k] + (1 - momentum) * v[k]);
                }
                variance.assign(Nd4j.createFromArray(v));
                param(c.name() + "/mean").assign(Nd4j.createFromArray(runningMean));
                param(c.name() + "/var").assign(Nd4j.createFromArray(runningVar));
            } else {
                mean.assign(Nd4j.createFromArray(runningMean));
                variance.assign(Nd4j.createFromArray(runningVar));
            }
            batchNorm(pre, mean, variance, param(c.name() + "/gamma"), param(c.name() + "/beta"), normOut);
            return normOut;
        }

        @Override
        public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
            allocateBackward();
            INDArray d = dOut;
            if (c.relu()) {
                long t = start();
                INDArray target = c.batchNorm() || c.maxPool() ? dMasked : dConv;
                Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(output, d).addOutputs(target)
                        .addFloatingPointArguments(0.0d).build());
                stop("relu_bp", t);
                d = target;
            }
            if (c.batchNorm()) {
                long t = start();
                INDArray target = c.maxPool() ? dPre : dConv;
                normalizeBackward(d, target, grads);
                stop("batch norm backward", t);
                d = target;
            }
            if (c.maxPool()) {
                long t = start();
                pool("maxpool2d_bp", new INDArray[]{conv(), d}, dConv);
                stop("maxpool2d_bp", t);
                d = dConv;
            } else if (d != dConv) {
                dConv.assign(d);
            }
            INDArray w = param(c.name() + "/W");
            INDArray gradW = columns != null ? weightGradientFromColumns(x) : weightGradientFromShiftedRows(x);
            grads.put(c.name() + "/W", gradW);
            if (!c.batchNorm()) {
                grads.put(c.name() + "/b", gradient(c.name() + "/b"));
            }
            if (!needInput) {
                return null;
            }
            if (c.stride() > 1) {
                throw new IllegalStateException("expected no input gradient below strided " + c.name()
                        + " (supports() admits a strided convolution only as the network's first layer)");
            }
            long t = start();
            convolve(1, c.kernel() - 1 - pad, false, new INDArray[]{dConv, flipped(w, c.kernel())}, dInput);
            stop("conv input gradient", t);
            return dInput;
        }

        /**
         * d(pre) from d(out), and the gradients of gamma and beta. With batch statistics the mean and variance
         * depend on the input: d(pre) = a * (dOut - mean(dOut) - xhat * mean(dOut * xhat)), a = gamma / std.
         * libnd4j's {@code batchnorm_bp} computes the same but took 140 ms for conv1 at 180 px (no oneDNN path).
         */
        private void normalizeBackward(INDArray dOutMap, INDArray target, Map<String, INDArray> grads) {
            int channels = c.filters();
            long rows = dOutMap.length() / channels;
            if (normalized == null) {
                normalized = track(Nd4j.create(DataType.FLOAT, target.shape()));
                if (scratch == null) {
                    scratch = track(Nd4j.create(DataType.FLOAT, target.shape()));
                }
                unitScale = track(Nd4j.ones(DataType.FLOAT, channels));
                zeroShift = track(Nd4j.zeros(DataType.FLOAT, channels));
                unitVariance = track(Nd4j.zeros(DataType.FLOAT, channels)).addi(1 - GraphBuilder.BATCH_NORM_EPSILON);
            }
            batchNorm(preNorm(), mean, variance, unitScale, zeroShift, normalized);
            INDArray dz = dOutMap.reshape('c', rows, channels);
            INDArray xhat = normalized.reshape('c', rows, channels);
            INDArray products = scratch.reshape('c', rows, channels);
            INDArray gradGamma = gradient(c.name() + "/gamma");
            INDArray gradBeta = gradient(c.name() + "/beta");
            matmul(ones(rows), dz, gradBeta.reshape(1, channels), false);
            binary("multiply", dz, xhat, products);
            matmul(ones(rows), products, gradGamma.reshape(1, channels), false);
            grads.put(c.name() + "/gamma", gradGamma);
            grads.put(c.name() + "/beta", gradBeta);
            float[] gamma = param(c.name() + "/gamma").toFloatVector();
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

        /**
         * For a layer with few input taps (the first convolution: 3x3x3 = 27): the im2col matrix comes from a
         * forward convolution with a 0/1 selection kernel plus a constant-1 column from its bias, so one matrix
         * product gives the weight gradient and, in its last row, the bias gradient, with no padded copy of the
         * output gradient.
         */
        private INDArray weightGradientFromColumns(INDArray x) {
            long t = start();
            forwardConvolution(new INDArray[]{x, selection, selectionBias}, columns);
            stop("conv im2col", t);
            t = start();
            long rows = columns.length() / columns.size(3);
            matmul(columns.reshape('c', new long[]{rows, columns.size(3)}),
                    dConv.reshape('c', new long[]{rows, c.filters()}), columnProduct, true);
            int taps = c.kernel() * c.kernel() * in.channels();
            INDArray gradW = gradient(c.name() + "/W");
            gradW.assign(columnProduct.get(NDArrayIndex.interval(0, taps), NDArrayIndex.all())
                    .reshape('c', new long[]{c.kernel(), c.kernel(), in.channels(), c.filters()}));
            if (!c.batchNorm()) {
                gradient(c.name() + "/b").assign(columnProduct.get(NDArrayIndex.point(taps), NDArrayIndex.all()));
            }
            stop("conv weight gradient, " + c.name(), t);
            return gradW;
        }

        /**
         * k x k matrix products X[s:]^T G[:-s], one per kernel offset s = ky*W + kx, over the (padded) input viewed
         * as [B*H*W, C] rows and the output gradient zero-padded to the input's height and width: the padding makes
         * every offset a contiguous row range of both, so nothing is copied per offset.
         */
        private INDArray weightGradientFromShiftedRows(INDArray x) {
            long t = start();
            dConvInterior.assign(dConv);
            INDArray input = x;
            if (xPadded != null) {
                xInterior.assign(x);
                input = xPadded;
            }
            stop("pad gradient", t);
            INDArray gradW = gradient(c.name() + "/W");
            int height = in.height() + 2 * pad;
            int width = in.width() + 2 * pad;
            long rows = batch * (long) height * width;
            int channels = in.channels();
            INDArray xRows = input.reshape('c', new long[]{rows, channels});
            INDArray gRows = dConvPadded.reshape('c', new long[]{rows, c.filters()});
            // each offset's [C, F] block of the gradient is a contiguous row range of it viewed as [k*k*C, F]; into
            // a buffer of our own, then one copy: row-range views of a view of the flat gradient buffer came out
            // with wrong shapes in ND4J 1.0.0-M2.1
            INDArray gradRows = weightRows;
            t = start();
            for (int ky = 0; ky < c.kernel(); ky++) {
                for (int kx = 0; kx < c.kernel(); kx++) {
                    long shift = (long) ky * width + kx;
                    long tap = (long) ky * c.kernel() + kx;
                    INDArray xs = xRows.get(NDArrayIndex.interval(shift, rows), NDArrayIndex.all());
                    INDArray gs = gRows.get(NDArrayIndex.interval(0, rows - shift), NDArrayIndex.all());
                    matmul(xs, gs, gradRows.get(NDArrayIndex.interval(tap * channels, (tap + 1) * channels),
                            NDArrayIndex.all()), true);
                }
            }
            gradW.assign(gradRows.reshape('c', gradW.shape()));
            stop("conv weight gradient, " + c.name(), t);
            if (!c.batchNorm()) {
                t = start();
                long convRows = dConv.length() / c.filters();
                matmul(ones(convRows), dConv.reshape('c', new long[]{convRows, c.filters()}),
                        gradient(c.name() + "/b").reshape(1, c.filters()), false);
                stop("conv bias gradient", t);
            }
            return gradW;
        }

        private void allocateBackward() {
            if (dConv != null) {
                return;
            }
            if (c.batchNorm() || c.maxPool()) {
                dMasked = track(Nd4j.create(DataType.FLOAT, preNorm().shape()));
            }
            if (c.batchNorm() && c.maxPool()) {
                dPre = track(Nd4j.create(DataType.FLOAT, pooled.shape()));
            }
            dConv = track(Nd4j.create(DataType.FLOAT, convShape));
            dInput = track(Nd4j.create(DataType.FLOAT, in.batchShape(batch)));
            int kernel = c.kernel();
            int taps = kernel * kernel * in.channels();
            if (taps <= MAX_COLUMN_TAPS) {
                columns = track(Nd4j.create(DataType.FLOAT, batch, convShape[1], convShape[2], taps + 1));
                float[] select = new float[taps * (taps + 1)];
                for (int tap = 0; tap < taps; tap++) {
                    select[tap * (taps + 1) + tap] = 1f;
                }
                selection = Nd4j.create(select, new long[]{kernel, kernel, in.channels(), taps + 1}, 'c');
                selectionBias = track(Nd4j.zeros(DataType.FLOAT, taps + 1));
                selectionBias.putScalar(taps, 1f);
                columnProduct = track(Nd4j.create(DataType.FLOAT, taps + 1, convShape[3]));
            } else {
                int height = in.height() + 2 * pad;
                int width = in.width() + 2 * pad;
                dConvPadded = track(Nd4j.zeros(DataType.FLOAT, batch, height, width, convShape[3]));
                dConvInterior = dConvPadded.get(NDArrayIndex.all(), NDArrayIndex.interval(0, convShape[1]),
                        NDArrayIndex.interval(0, convShape[2]), NDArrayIndex.all());
                weightRows = track(Nd4j.create(DataType.FLOAT, (long) taps, convShape[3]));
                if (pad > 0) {
                    xPadded = track(Nd4j.zeros(DataType.FLOAT, batch, height, width, in.channels()));
                    xInterior = xPadded.get(NDArrayIndex.all(), NDArrayIndex.interval(pad, pad + in.height()),
                            NDArrayIndex.interval(pad, pad + in.width()), NDArrayIndex.all());
                }
            }
        }
    }

    /** relu(x + bn(conv(relu(bn(conv(x)))))), both convolutions 3x3 with same padding. */
    private final class ResidualBlock implements ExecutorStep {
        private final ConvUnit first;
        private final ConvUnit second;
        private final INDArray out;
        private INDArray dSum;
        private INDArray dInput;

        ResidualBlock(Residual r, int batch, Shape in, boolean batchStatistics) {
            first = new ConvUnit(r.conv("/a"), batch, in, batchStatistics);
            second = new ConvUnit(r.conv("/b"), batch, in, batchStatistics);
            out = track(Nd4j.create(DataType.FLOAT, in.batchShape(batch)));
        }

        @Override
        public INDArray forward(INDArray x, boolean keep) {
            INDArray branch = second.forward(first.forward(x, keep), keep);
            long t = start();
            binary("add", x, branch, out);
            relu(out);
            stop("residual add + relu", t);
            return out;
        }

        @Override
        public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
            if (dSum == null) {
                dSum = track(Nd4j.create(DataType.FLOAT, out.shape()));
                dInput = track(Nd4j.create(DataType.FLOAT, out.shape()));
            }
            long t = start();
            Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(out, dOut).addOutputs(dSum)
                    .addFloatingPointArguments(0.0d).build());
            stop("relu_bp", t);
            INDArray dBranch = second.backward(first.output(), dSum, true, grads);
            INDArray dx = first.backward(x, dBranch, needInput, grads);
            if (!needInput) {
                return null;
            }
            binary("add", dx, dSum, dInput);
            return dInput;
        }
    }

    /** Mean over height and width: [B, H, W, C] to [B, C]. */
    private final class AveragePool implements ExecutorStep {
        private final INDArray out;
        private INDArray dInput;

        AveragePool(int batch, Shape in) {
            out = track(Nd4j.create(DataType.FLOAT, batch, in.channels()));
        }

        @Override
        public INDArray forward(INDArray x, boolean keep) {
            Nd4j.exec(DynamicCustomOp.builder("reduce_mean").addInputs(x).addOutputs(out).addIntegerArguments(1, 2)
                    .build());
            return out;
        }

        @Override
        public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
            if (!needInput) {
                return null;
            }
            if (dInput == null) {
                dInput = track(Nd4j.create(DataType.FLOAT, x.shape()));
            }
            Nd4j.exec(DynamicCustomOp.builder("reduce_mean_bp").addInputs(x, dOut).addOutputs(dInput)
                    .addIntegerArguments(1, 2).build());
            return dInput;
        }
    }

    /** ReLU in place: relu_bp's mask is the same from the activation as from its input. */
    private static void relu(INDArray x) {
        Nd4j.exec(DynamicCustomOp.builder("relu").addInputs(x).addOutputs(x).addFloatingPointArguments(0.0d).build());
    }

    /** Images {@code first .. first+count-1} of an NHWC batch: a contiguous view. */
    private static INDArray images(INDArray batch, int first, int count) {
        return BatchRows.rows(batch, first, first + count);
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
     * against 50 us). Each op is built once and reused.
     */
    private final class DenseStep implements ExecutorStep {
        final Dense dense;
        final int batch;
        final long inputSize;
        final long[] inputShape;
        /** The layer's output: after ReLU for a ReLU layer. */
        final INDArray z;
        private final Map<String, ReusableOp> ops = new HashMap<>();
        private INDArray dz;
        private INDArray dInput;

        DenseStep(Dense dense, int batch, Shape in, Shape out) {
            this.dense = dense;
            this.batch = batch;
            this.inputSize = in.size();
            this.inputShape = in.batchShape(batch);
            z = track(Nd4j.create(DataType.FLOAT, batch, out.size()));
        }

        /** This layer's op of that role, built on first use and reused with these buffers afterwards. */
        private ReusableOp op(String role, java.util.function.Supplier<ReusableOp> build) {
            return ops.computeIfAbsent(role, r -> build.get());
        }

        @Override
        public INDArray forward(INDArray x, boolean keep) {
            long t = start();
            INDArray flat = x.reshape('c', new long[]{batch, inputSize});
            INDArray w = param(dense.name() + "/W");
            INDArray bias = param(dense.name() + "/b");
            op("product", () -> new ReusableOp("matmul", new INDArray[]{flat, w}, new INDArray[]{z}).ints(0, 0, 0))
                    .input(0, flat).run();
            op("bias", () -> new ReusableOp("biasadd", new INDArray[]{z, bias}, new INDArray[]{z}).ints(0)).run();
            if (dense.relu()) {
                // in place: relu_bp's mask is the same from the activation as from its input
                op("relu", () -> new ReusableOp("relu", new INDArray[]{z}, new INDArray[]{z}).floats(0.0)).run();
            }
            stop("dense", t);
            return z;
        }

        @Override
        public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
            long t = start();
            INDArray g = dOut;
            if (dense.relu()) {
                if (dz == null) {
                    dz = track(Nd4j.create(DataType.FLOAT, z.shape()));
                }
                g = dz;
                op("relu_bp", () -> new ReusableOp("relu_bp", new INDArray[]{z, dOut}, new INDArray[]{dz})
                        .floats(0.0)).input(1, dOut).run();
            }
            INDArray flat = x.reshape('c', new long[]{batch, inputSize});
            INDArray w = param(dense.name() + "/W");
            INDArray gradW = gradient(dense.name() + "/W");
            INDArray gradB = gradient(dense.name() + "/b");
            INDArray dzFinal = g;
            op("weight gradient", () -> new ReusableOp("matmul", new INDArray[]{flat, dzFinal},
                    new INDArray[]{gradW}).ints(1, 0, 0)).input(0, flat).input(1, g).run();
            op("bias gradient", () -> new ReusableOp("reduce_sum", new INDArray[]{dzFinal}, new INDArray[]{gradB})
                    .ints(0)).input(0, g).run();
            grads.put(dense.name() + "/W", gradW);
            grads.put(dense.name() + "/b", gradB);
            INDArray result = null;
            if (needInput) {
                if (dInput == null) {
                    dInput = track(Nd4j.create(DataType.FLOAT, batch, inputSize));
                }
                op("input gradient", () -> new ReusableOp("matmul", new INDArray[]{dzFinal, w},
                        new INDArray[]{dInput}).ints(0, 1, 0)).input(0, g).run();
                result = dInput.reshape('c', inputShape);
            }
            stop("dense backward", t);
            return result;
        }
    }

    // ---------------------------------------------------------------- ops

    @Override
    public INDArray gradient(String name) {
        return gradients.computeIfAbsent(name, n -> track(Nd4j.create(DataType.FLOAT, param(n).shape())));
    }

    @Override
    public INDArray param(String name) {
        INDArray p = params.get(name);
        if (p == null) {
            throw new IllegalStateException("expected parameter " + name + ", found none");
        }
        return p;
    }

    /** A row of {@code n} ones (a view of one shared buffer): sums over rows as matrix products. */
    private INDArray ones(long n) {
        if (ones == null || ones.length() < n) {
            ones = track(Nd4j.ones(DataType.FLOAT, 1, n));
        }
        return ones.length() == n ? ones : ones.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, n))
                .reshape(1, n);
    }

    /**
     * NHWC convolution, weights [kH, kW, in, out]: {@code padding} zeros on every side, or, when {@code same}, the
     * padding that gives ceil(size / stride) outputs.
     */
    private static void convolve(int stride, int padding, boolean same, INDArray[] inputs, INDArray output) {
        int kernel = (int) inputs[1].size(0);
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(inputs).addOutputs(output)
                .addIntegerArguments(kernel, kernel, stride, stride, padding, padding, 1, 1, same ? 1 : 0, 1, 0)
                .build());
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

    /** libnd4j's batchnorm over the last (channel) axis, NHWC: (x - mean) / sqrt(variance + eps) * gamma + beta. */
    private static void batchNorm(INDArray x, INDArray mean, INDArray variance, INDArray gamma, INDArray beta,
                                  INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("batchnorm").addInputs(x, mean, variance, gamma, beta).addOutputs(out)
                .addIntegerArguments(1, 1, x.rank() - 1).addFloatingPointArguments(GraphBuilder.BATCH_NORM_EPSILON)
                .build());
    }

    /** An element-wise op with broadcasting ([rows, C] with [1, C]), e.g. {@code add}, {@code multiply}. */
    private static void binary(String op, INDArray a, INDArray b, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(a, b).addOutputs(out).build());
    }

    @Override
    public INDArray track(INDArray array) {
        if (allocated.size() % 256 == 255) {
            allocated.removeIf(r -> r.get() == null);
        }
        allocated.add(new java.lang.ref.WeakReference<>(array));
        return array;
    }

    @Override
    public DnnlConvolution track(DnnlConvolution convolution) {
        convolutions.removeIf(r -> r.get() == null);
        convolutions.add(new java.lang.ref.WeakReference<>(convolution));
        return convolution;
    }

    /**
     * Frees every buffer and oneDNN primitive this executor made, now (not when the garbage collector finds them);
     * the parameters are the caller's. Not usable afterwards.
     */
    void close() {
        buffers.clear();
        for (java.lang.ref.WeakReference<INDArray> r : allocated) {
            INDArray a = r.get();
            if (a != null && a.closeable()) {
                a.close();
            }
        }
        allocated.clear();
        ones = null;
        for (java.lang.ref.WeakReference<DnnlConvolution> r : convolutions) {
            DnnlConvolution c = r.get();
            if (c != null) {
                c.close();
            }
        }
        convolutions.clear();
        if (stream != null) {
            stream.close();
            stream = null;
        }
    }

    @Override
    public org.bytedeco.dnnl.stream stream() {
        if (stream == null) {
            stream = OneDnn.newStream();
        }
        return stream;
    }

    @Override
    public long start() {
        return timings == null ? 0 : System.nanoTime();
    }

    @Override
    public void stop(String op, long started) {
        if (timings != null) {
            timings.merge(op, (System.nanoTime() - started) / 1e6, Double::sum);
        }
    }
}
