package io.finetune.ml.net;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An {@link InferenceGraph} run by {@link DirectExecutor}, a large batch as consecutive sub-batches through the
 * whole graph (depth first): each sub-batch's maps stay small enough to be read back from cache by the next layer
 * instead of from memory. See {@link #SUB_BATCH_BYTES}.
 */
final class DirectInferenceGraph extends InferenceGraph {
    /**
     * Largest map (per {@link DirectExecutor#largestMapBytesPerImage()}) of one sub-batch. seed-cnn at 180 px writes
     * 4 MB per image before its first pool, so batches run 8 images at a time: measured, interleaved in one JVM,
     * 920-978 images/s against 841-907 for batch 32 in one pass (sub-batches of 16: 879-962, of 4: 863-936, of 2:
     * 746-815). res-cnn's largest map is 1 MB per image: batches of up to 32 run in one pass.
     */
    static final long SUB_BATCH_BYTES = 32L << 20;

    private final DirectExecutor executor;
    private final int subBatch;
    private final boolean endsAtLogits;

    DirectInferenceGraph(Network network, int from, int to) {
        this(network, from, to, SUB_BATCH_BYTES);
    }

    /** As above, with sub-batches of at most {@code subBatchBytes} (tests use small ones). */
    DirectInferenceGraph(Network network, int from, int to, long subBatchBytes) {
        super(network.shapeAt(from), network.shapeAt(to));
        this.executor = new DirectExecutor(network, from, to, network.params(), to - from);
        this.subBatch = (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                subBatchBytes / executor.largestMapBytesPerImage()));
        this.endsAtLogits = to == network.architecture().layers().size();
    }

    int subBatch() {
        return subBatch;
    }

    @Override
    public INDArray output(INDArray batch) {
        return forward(batch);
    }

    @Override
    public INDArray probabilities(INDArray batch) {
        if (!endsAtLogits) {
            throw new IllegalStateException("expected a graph ending at the classifier for probabilities, found one "
                    + "ending at " + outputShape());
        }
        return Transforms.softmax(forward(batch), false);
    }

    /** The output for {@code batch}, in a fresh array; sub-batches of even size (33 by at most 8: 7, 7, 7, 7, 5). */
    private INDArray forward(INDArray batch) {
        long n = batch.size(0);
        if (n <= subBatch) {
            return executor.forward(batch).dup();
        }
        INDArray plain = BatchRows.plain(batch);
        INDArray out = Nd4j.create(DataType.FLOAT, outputShape().batchShape(n));
        long parts = (n + subBatch - 1) / subBatch;
        long size = (n + parts - 1) / parts;
        for (long first = 0; first < n; first += size) {
            long last = Math.min(n, first + size);
            BatchRows.rows(out, first, last).assign(executor.forward(BatchRows.rows(plain, first, last)));
        }
        return out;
    }

    @Override
    public void close() {
        executor.close();
    }
}
