package io.finetune.ml.net;

import static io.finetune.ml.net.DirectOps.binary;
import static io.finetune.ml.net.DirectOps.relu;
import static io.finetune.ml.net.DirectOps.reluBackward;

import io.finetune.ml.net.Layers.Residual;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/** relu(x + bn(conv(relu(bn(conv(x)))))), both convolutions 3x3 with same padding, on one batch size's buffers. */
final class ResidualBlock implements ExecutorStep {
    private final StepContext context;
    private final ConvUnit first;
    private final ConvUnit second;
    private final INDArray out;
    private INDArray dSum;
    private INDArray dInput;

    ResidualBlock(StepContext context, Residual r, int batch, Shape in, boolean batchStatistics, long chunkBytes) {
        this.context = context;
        first = new ConvUnit(context, r.conv("/a"), batch, in, batchStatistics, chunkBytes);
        second = new ConvUnit(context, r.conv("/b"), batch, in, batchStatistics, chunkBytes);
        out = context.track(Nd4j.create(DataType.FLOAT, in.batchShape(batch)));
    }

    @Override
    public INDArray forward(INDArray x, boolean keep) {
        INDArray branch = second.forward(first.forward(x, keep), keep);
        long t = context.start();
        binary("add", x, branch, out);
        relu(out);
        context.stop("residual add + relu", t);
        return out;
    }

    @Override
    public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
        if (dSum == null) {
            dSum = context.track(Nd4j.create(DataType.FLOAT, out.shape()));
            dInput = context.track(Nd4j.create(DataType.FLOAT, out.shape()));
        }
        long t = context.start();
        reluBackward(out, dOut, dSum);
        context.stop("relu_bp", t);
        INDArray dBranch = second.backward(first.output(), dSum, true, grads);
        INDArray dx = first.backward(x, dBranch, needInput, grads);
        if (!needInput) {
            return null;
        }
        binary("add", dx, dSum, dInput);
        return dInput;
    }
}
