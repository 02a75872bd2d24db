package io.finetune.ml.net;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/** Global average pooling, the mean over height and width: [B, H, W, C] to [B, C]. */
final class AveragePoolStep implements ExecutorStep {
    private final StepContext context;
    private final INDArray out;
    private INDArray dInput;

    AveragePoolStep(StepContext context, int batch, Shape in) {
        this.context = context;
        out = context.track(Nd4j.create(DataType.FLOAT, batch, in.channels()));
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
            dInput = context.track(Nd4j.create(DataType.FLOAT, x.shape()));
        }
        Nd4j.exec(DynamicCustomOp.builder("reduce_mean_bp").addInputs(x, dOut).addOutputs(dInput)
                .addIntegerArguments(1, 2).build());
        return dInput;
    }
}
