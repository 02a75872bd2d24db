package io.finetune.ml.net;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Row ranges along the batch axis of plain arrays, as views without copying. */
final class BatchRows {
    private BatchRows() {
    }

    /** A C-ordered float array with default strides (a whole array, or a row range of one). */
    static boolean isPlain(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c'
                && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a);
    }

    /** {@code a} itself when plain, otherwise a plain float copy of it. */
    static INDArray plain(INDArray a) {
        return isPlain(a) ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    /**
     * Rows {@code first .. last-1} of a plain array: a view made from its buffer and offset. ({@code get} with an
     * interval on an array that is itself a view gave a view whose native shape was rank 0 in ND4J 1.0.0-M2.1.)
     */
    static INDArray rows(INDArray a, long first, long last) {
        if (first == 0 && last == a.size(0)) {
            return a;
        }
        long[] shape = a.shape().clone();
        shape[0] = last - first;
        long rowLength = a.length() / a.size(0);
        return Nd4j.create(a.data(), shape, a.stride(), a.offset() + first * rowLength, 'c', a.dataType());
    }
}
