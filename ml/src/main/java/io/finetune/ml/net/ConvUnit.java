package io.finetune.ml.net;

import static io.finetune.ml.net.DirectOps.convolve;
import static io.finetune.ml.net.DirectOps.flipped;
import static io.finetune.ml.net.DirectOps.images;
import static io.finetune.ml.net.DirectOps.pool;
import static io.finetune.ml.net.DirectOps.relu;
import static io.finetune.ml.net.DirectOps.reluBackward;

import io.finetune.ml.net.Layers.Conv;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * Convolution, max pool, batch norm, ReLU (each but the convolution optional) on one batch size's buffers.
 * Without batch norm, ReLU runs in place on the pooled map (max pool and ReLU commute, and the pooled map is 4x
 * smaller). A pooled layer with a large output runs convolution and pooling over sub-batches of {@link #chunk}
 * images, so pooling reads the convolution's output while it is still in cache (at 180 px the first layer's output
 * is 130 MB for 32 images). Not when the backward pass needs the whole pre-pool map: writing it in sub-batches
 * measured slower (bench/README.md, "Direct executor measurements"). See {@link DirectExecutor#CHUNK_BYTES}.
 * Batch norm is {@link ConvBatchNorm}; the weight gradient one of the {@link ConvWeightGradient} strategies; the
 * input gradient a forward {@code conv2d} of the output gradient with the kernel flipped and its channel axes
 * swapped, padded by k-1-p.
 */
final class ConvUnit implements ExecutorStep {
    /** A layer is large when its whole-batch output is over this many times the sub-batch size. */
    private static final long LARGE_LAYER_FACTOR = 4;

    private final StepContext context;
    private final Conv c;
    private final int batch;
    private final Shape in;
    private final long[] convShape;
    private final int chunk;
    private final INDArray pooled;
    /** Null without batch norm. */
    private final ConvBatchNorm norm;
    private INDArray conv;
    private INDArray chunkConv;
    private INDArray output;
    /** Backward buffers, allocated on the first backward pass. */
    private INDArray dMasked;
    private INDArray dPre;
    private INDArray dConv;
    private INDArray dInput;
    private ConvWeightGradient weightGradient;

    /**
     * @param batchStatistics batch norm with the batch's moments (training) rather than the running ones
     * @param chunkBytes      convolution output per forward sub-batch, for large pooled layers
     */
    ConvUnit(StepContext context, Conv c, int batch, Shape in, boolean batchStatistics, long chunkBytes) {
        this.context = context;
        this.c = c;
        this.batch = batch;
        this.in = in;
        Shape convOut = new Conv(c.name(), c.kernel(), c.filters(), c.stride(), c.samePadding(), false, false,
                false).outputShape(in, 0);
        int h = convOut.height();
        int w = convOut.width();
        convShape = new long[]{batch, h, w, c.filters()};
        long imageBytes = 4L * h * w * c.filters();
        chunk = imageBytes * batch > LARGE_LAYER_FACTOR * chunkBytes
                ? (int) Math.max(1, Math.min(batch, chunkBytes / imageBytes)) : batch;
        pooled = c.maxPool()
                ? context.track(Nd4j.create(DataType.FLOAT, batch, (h + 1) / 2, (w + 1) / 2, c.filters())) : null;
        norm = c.batchNorm() ? new ConvBatchNorm(context, c, batchStatistics) : null;
    }

    /** The whole batch's convolution output (before pooling), allocated on first use. */
    private INDArray conv() {
        if (conv == null) {
            conv = context.track(Nd4j.create(DataType.FLOAT, convShape));
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
        INDArray w = context.param(c.name() + "/W");
        INDArray[] convInputs = c.batchNorm() ? new INDArray[]{x, w}
                : new INDArray[]{x, w, context.param(c.name() + "/b")};
        boolean reluDone = false;
        long t = context.start();
        if (c.maxPool() && chunk < batch && !keep) {
            if (chunkConv == null) {
                chunkConv = context.track(Nd4j.create(DataType.FLOAT, chunk, convShape[1], convShape[2],
                        convShape[3]));
            }
            for (int first = 0; first < batch; first += chunk) {
                int n = Math.min(chunk, batch - first);
                INDArray convOut = images(chunkConv, 0, n);
                INDArray[] inputs = convInputs.clone();
                inputs[0] = images(x, first, n);
                convolve(c, inputs, convOut);
                INDArray pooledPart = images(pooled, first, n);
                pool("maxpool2d", new INDArray[]{convOut}, pooledPart);
                if (c.relu() && !c.batchNorm()) {
                    relu(pooledPart);
                }
            }
            reluDone = !c.batchNorm();
            context.stop("conv2d + maxpool2d in sub-batches, " + c.name(), t);
        } else {
            convolve(c, convInputs, conv());
            context.stop("conv2d, " + c.name(), t);
            if (c.maxPool()) {
                t = context.start();
                pool("maxpool2d", new INDArray[]{conv()}, pooled);
                context.stop("maxpool2d", t);
            }
        }
        INDArray y = preNorm();
        if (c.batchNorm()) {
            t = context.start();
            y = norm.forward(y);
            context.stop("batch norm", t);
        }
        if (c.relu() && !reluDone) {
            t = context.start();
            relu(y);
            context.stop("relu", t);
        }
        output = y;
        return y;
    }

    @Override
    public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
        allocateBackward();
        INDArray d = dOut;
        if (c.relu()) {
            long t = context.start();
            INDArray target = c.batchNorm() || c.maxPool() ? dMasked : dConv;
            reluBackward(output, d, target);
            context.stop("relu_bp", t);
            d = target;
        }
        if (c.batchNorm()) {
            long t = context.start();
            INDArray target = c.maxPool() ? dPre : dConv;
            norm.backward(preNorm(), d, target, grads);
            context.stop("batch norm backward", t);
            d = target;
        }
        if (c.maxPool()) {
            long t = context.start();
            pool("maxpool2d_bp", new INDArray[]{conv(), d}, dConv);
            context.stop("maxpool2d_bp", t);
            d = dConv;
        } else if (d != dConv) {
            dConv.assign(d);
        }
        INDArray w = context.param(c.name() + "/W");
        INDArray gradW = weightGradient.compute(x, dConv);
        grads.put(c.name() + "/W", gradW);
        if (!c.batchNorm()) {
            grads.put(c.name() + "/b", context.gradient(c.name() + "/b"));
        }
        if (!needInput) {
            return null;
        }
        if (c.stride() > 1) {
            throw new IllegalStateException("expected no input gradient below strided " + c.name()
                    + " (supports() admits a strided convolution only as the network's first layer)");
        }
        long t = context.start();
        convolve(1, c.kernel() - 1 - c.padding(), false, new INDArray[]{dConv, flipped(w, c.kernel())}, dInput);
        context.stop("conv input gradient", t);
        return dInput;
    }

    private void allocateBackward() {
        if (dConv != null) {
            return;
        }
        if (c.batchNorm() || c.maxPool()) {
            dMasked = context.track(Nd4j.create(DataType.FLOAT, preNorm().shape()));
        }
        if (c.batchNorm() && c.maxPool()) {
            dPre = context.track(Nd4j.create(DataType.FLOAT, pooled.shape()));
        }
        dConv = context.track(Nd4j.create(DataType.FLOAT, convShape));
        dInput = context.track(Nd4j.create(DataType.FLOAT, in.batchShape(batch)));
        weightGradient = ConvWeightGradient.of(context, c, batch, in, convShape);
    }
}
