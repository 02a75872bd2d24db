package io.finetune.ml.net;

import static io.finetune.ml.net.DirectOps.matmul;

import io.finetune.ml.net.Layers.Conv;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * k x k matrix products X[s:]^T G[:-s], one per kernel offset s = ky*W + kx, over the (padded) input viewed as
 * [B*H*W, C] rows and the output gradient zero-padded to the input's height and width: the padding makes every
 * offset a contiguous row range of both, so nothing is copied per offset (no im2col matrix). Stride 1 only.
 */
final class ShiftedRowsWeightGradient implements ConvWeightGradient {
    private final StepContext context;
    private final Conv c;
    private final int batch;
    private final Shape in;
    private final int pad;
    private final INDArray dConvPadded;
    /** The part of {@link #dConvPadded} the output gradient is copied into; the rest stays zero. */
    private final INDArray dConvInterior;
    private final INDArray weightRows;
    /** The input zero-padded, and the view of it the input is copied into (both null without padding). */
    private final INDArray xPadded;
    private final INDArray xInterior;

    ShiftedRowsWeightGradient(StepContext context, Conv c, int batch, Shape in, long[] convShape) {
        this.context = context;
        this.c = c;
        this.batch = batch;
        this.in = in;
        this.pad = c.padding();
        int taps = c.kernel() * c.kernel() * in.channels();
        int height = in.height() + 2 * pad;
        int width = in.width() + 2 * pad;
        dConvPadded = context.track(Nd4j.zeros(DataType.FLOAT, batch, height, width, convShape[3]));
        dConvInterior = dConvPadded.get(NDArrayIndex.all(), NDArrayIndex.interval(0, convShape[1]),
                NDArrayIndex.interval(0, convShape[2]), NDArrayIndex.all());
        weightRows = context.track(Nd4j.create(DataType.FLOAT, (long) taps, convShape[3]));
        if (pad > 0) {
            xPadded = context.track(Nd4j.zeros(DataType.FLOAT, batch, height, width, in.channels()));
            xInterior = xPadded.get(NDArrayIndex.all(), NDArrayIndex.interval(pad, pad + in.height()),
                    NDArrayIndex.interval(pad, pad + in.width()), NDArrayIndex.all());
        } else {
            xPadded = null;
            xInterior = null;
        }
    }

    @Override
    public INDArray compute(INDArray x, INDArray dConv) {
        long t = context.start();
        dConvInterior.assign(dConv);
        INDArray input = x;
        if (xPadded != null) {
            xInterior.assign(x);
            input = xPadded;
        }
        context.stop("pad gradient", t);
        INDArray gradW = context.gradient(c.name() + "/W");
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
        t = context.start();
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
        context.stop("conv weight gradient, " + c.name(), t);
        if (!c.batchNorm()) {
            t = context.start();
            long convRows = dConv.length() / c.filters();
            matmul(context.ones(convRows), dConv.reshape('c', new long[]{convRows, c.filters()}),
                    context.gradient(c.name() + "/b").reshape(1, c.filters()), false);
            context.stop("conv bias gradient", t);
        }
        return gradW;
    }
}
