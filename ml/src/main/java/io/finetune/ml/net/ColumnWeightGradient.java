package io.finetune.ml.net;

import static io.finetune.ml.net.DirectOps.convolve;
import static io.finetune.ml.net.DirectOps.matmul;

import io.finetune.ml.net.Layers.Conv;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * For a layer with few input taps (the first convolution: 3x3x3 = 27): the im2col matrix comes from a forward
 * convolution with a 0/1 selection kernel plus a constant-1 column from its bias, so one matrix product gives the
 * weight gradient and, in its last row, the bias gradient, with no padded copy of the output gradient. Works for
 * strided convolutions too (a strided im2col matrix).
 */
final class ColumnWeightGradient implements ConvWeightGradient {
    private final StepContext context;
    private final Conv c;
    private final Shape in;
    private final INDArray columns;
    private final INDArray selection;
    private final INDArray selectionBias;
    private final INDArray columnProduct;

    ColumnWeightGradient(StepContext context, Conv c, int batch, Shape in, long[] convShape) {
        this.context = context;
        this.c = c;
        this.in = in;
        int kernel = c.kernel();
        int taps = kernel * kernel * in.channels();
        columns = context.track(Nd4j.create(DataType.FLOAT, batch, convShape[1], convShape[2], taps + 1));
        float[] select = new float[taps * (taps + 1)];
        for (int tap = 0; tap < taps; tap++) {
            select[tap * (taps + 1) + tap] = 1f;
        }
        selection = Nd4j.create(select, new long[]{kernel, kernel, in.channels(), taps + 1}, 'c');
        selectionBias = context.track(Nd4j.zeros(DataType.FLOAT, taps + 1));
        selectionBias.putScalar(taps, 1f);
        columnProduct = context.track(Nd4j.create(DataType.FLOAT, taps + 1, convShape[3]));
    }

    @Override
    public INDArray compute(INDArray x, INDArray dConv) {
        long t = context.start();
        convolve(c, new INDArray[]{x, selection, selectionBias}, columns);
        context.stop("conv im2col", t);
        t = context.start();
        long rows = columns.length() / columns.size(3);
        matmul(columns.reshape('c', new long[]{rows, columns.size(3)}),
                dConv.reshape('c', new long[]{rows, c.filters()}), columnProduct, true);
        int taps = c.kernel() * c.kernel() * in.channels();
        INDArray gradW = context.gradient(c.name() + "/W");
        gradW.assign(columnProduct.get(NDArrayIndex.interval(0, taps), NDArrayIndex.all())
                .reshape('c', new long[]{c.kernel(), c.kernel(), in.channels(), c.filters()}));
        if (!c.batchNorm()) {
            context.gradient(c.name() + "/b").assign(columnProduct.get(NDArrayIndex.point(taps), NDArrayIndex.all()));
        }
        context.stop("conv weight gradient, " + c.name(), t);
        return gradW;
    }
}
