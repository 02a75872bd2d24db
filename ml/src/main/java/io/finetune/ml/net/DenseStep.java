package io.finetune.ml.net;

import io.finetune.ml.net.Layers.Dense;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A dense layer on one batch size's buffers: matrix product, bias and ReLU, the last two in place. Not libnd4j's
 * fused {@code relu_layer} or {@code xw_plus_b}: their oneDNN inner product reorders the weight matrix on every call
 * (dense1: 1.6 MB), which made them slower than the three ops (bench/README.md, "Direct executor measurements").
 * Each op is built once and reused ({@link ReusableOp}).
 */
final class DenseStep implements ExecutorStep {
    private final StepContext context;
    private final Dense dense;
    private final int batch;
    private final long inputSize;
    private final long[] inputShape;
    /** The layer's output: after ReLU for a ReLU layer. */
    private final INDArray z;
    private final Map<String, ReusableOp> ops = new HashMap<>();
    private INDArray dz;
    private INDArray dInput;

    DenseStep(StepContext context, Dense dense, int batch, Shape in, Shape out) {
        this.context = context;
        this.dense = dense;
        this.batch = batch;
        this.inputSize = in.size();
        this.inputShape = in.batchShape(batch);
        z = context.track(Nd4j.create(DataType.FLOAT, batch, out.size()));
    }

    /** This layer's op of that role, built on first use and reused with these buffers afterwards. */
    private ReusableOp op(String role, Supplier<ReusableOp> build) {
        return ops.computeIfAbsent(role, r -> build.get());
    }

    @Override
    public INDArray forward(INDArray x, boolean keep) {
        long t = context.start();
        INDArray flat = x.reshape('c', new long[]{batch, inputSize});
        INDArray w = context.param(dense.name() + "/W");
        INDArray bias = context.param(dense.name() + "/b");
        op("product", () -> new ReusableOp("matmul", new INDArray[]{flat, w}, new INDArray[]{z}).ints(0, 0, 0))
                .input(0, flat).run();
        op("bias", () -> new ReusableOp("biasadd", new INDArray[]{z, bias}, new INDArray[]{z}).ints(0)).run();
        if (dense.relu()) {
            // in place: relu_bp's mask is the same from the activation as from its input
            op("relu", () -> new ReusableOp("relu", new INDArray[]{z}, new INDArray[]{z}).floats(0.0)).run();
        }
        context.stop("dense", t);
        return z;
    }

    @Override
    public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
        long t = context.start();
        INDArray g = dOut;
        if (dense.relu()) {
            if (dz == null) {
                dz = context.track(Nd4j.create(DataType.FLOAT, z.shape()));
            }
            g = dz;
            op("relu_bp", () -> new ReusableOp("relu_bp", new INDArray[]{z, dOut}, new INDArray[]{dz})
                    .floats(0.0)).input(1, dOut).run();
        }
        INDArray flat = x.reshape('c', new long[]{batch, inputSize});
        INDArray w = context.param(dense.name() + "/W");
        INDArray gradW = context.gradient(dense.name() + "/W");
        INDArray gradB = context.gradient(dense.name() + "/b");
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
                dInput = context.track(Nd4j.create(DataType.FLOAT, batch, inputSize));
            }
            op("input gradient", () -> new ReusableOp("matmul", new INDArray[]{dzFinal, w},
                    new INDArray[]{dInput}).ints(0, 1, 0)).input(0, g).run();
            result = dInput.reshape('c', inputShape);
        }
        context.stop("dense backward", t);
        return result;
    }
}
