package io.finetune.ml.net;

import io.finetune.ml.net.Layers.Conv;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a {@link ConvUnit} computes its kernel's (and, without batch norm, its bias's) gradient from its input and the
 * gradient of its convolution's output. Two strategies: {@link ColumnWeightGradient} for layers with few input
 * taps (the first layer), {@link ShiftedRowsWeightGradient} for the others.
 */
interface ConvWeightGradient {
    /** Up to this many kernel taps (k*k*C), the weight gradient goes through an im2col matrix (the first layer). */
    int MAX_COLUMN_TAPS = 32;

    /** The kernel's gradient buffer, filled; the bias gradient (no batch norm) filled in its buffer too. */
    INDArray compute(INDArray x, INDArray dConv);

    /** The strategy for layer {@code c} on input {@code in}, buffers for {@code batch} images allocated now. */
    static ConvWeightGradient of(StepContext context, Conv c, int batch, Shape in, long[] convShape) {
        int taps = c.kernel() * c.kernel() * in.channels();
        return taps <= MAX_COLUMN_TAPS ? new ColumnWeightGradient(context, c, batch, in, convShape)
                : new ShiftedRowsWeightGradient(context, c, batch, in, convShape);
    }
}
