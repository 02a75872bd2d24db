package io.finetune.ml.net;

import io.finetune.ml.net.Layers.Conv;
import io.finetune.ml.net.Layers.Dense;
import io.finetune.ml.net.Layers.GlobalAveragePool;
import io.finetune.ml.net.Layers.Residual;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * allocated once per batch size, with the backward pass written out by hand. This class holds the stack, the
 * buffers and what the steps share ({@link StepContext}); each layer kind is its own step ({@link ConvUnit} with
 * {@link ConvBatchNorm} and a {@link ConvWeightGradient}, {@link ResidualBlock}, {@link AveragePoolStep},
 * {@link DenseStep}, {@link MobileSteps}), the ops they run in {@link DirectOps}. It exists for speed: in DL4J
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
    /**
     * Forward convolution output per sub-batch, about what stays in cache between convolution and pooling, for
     * layers whose whole-batch output is over 4 times that ({@link ConvUnit}). At 180 px and batch 32 only conv1
     * (130 MB) qualifies and runs in sub-batches of 2 images, measured faster than 16 MB sub-batches or none
     * (bench/README.md, "Direct executor measurements"). This serves the frozen layers of an uncached fine-tuning
     * step; inference graphs run the whole network in sub-batches ({@link DirectInferenceGraph#SUB_BATCH_BYTES}),
     * within which no layer qualifies.
     */
    static final long CHUNK_BYTES = 8L << 20;

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
                    || i == 0 && c.kernel() * c.kernel() * 3 <= ConvWeightGradient.MAX_COLUMN_TAPS);
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
                    steps[i] = new ConvUnit(DirectExecutor.this, c, batch, in, batchStatistics, chunkBytes);
                } else if (layer instanceof Residual r) {
                    steps[i] = new ResidualBlock(DirectExecutor.this, r, batch, in, batchStatistics, chunkBytes);
                } else if (layer instanceof GlobalAveragePool) {
                    steps[i] = new AveragePoolStep(DirectExecutor.this, batch, in);
                } else {
                    steps[i] = new DenseStep(DirectExecutor.this, (Dense) layer, batch, in, shapes.get(i + 1));
                }
            }
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

    @Override
    public INDArray ones(long n) {
        if (ones == null || ones.length() < n) {
            ones = track(Nd4j.ones(DataType.FLOAT, 1, n));
        }
        return ones.length() == n ? ones : ones.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, n))
                .reshape(1, n);
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
