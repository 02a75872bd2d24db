package io.finetune.ml.net;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A libnd4j custom op built once and run again and again on the same buffers, its arrays and arguments replaced in
 * place. Building an op with {@code DynamicCustomOp.builder} costs about 13 us of Java per call, running a built one
 * again about 6 us: for the ~30 small ops of a dense-head training step that difference is a tenth of the step.
 */
final class ReusableOp extends DynamicCustomOp {
    ReusableOp(String name, INDArray[] inputs, INDArray[] outputs) {
        super(name, inputs, outputs);
    }

    ReusableOp input(int index, INDArray array) {
        setInputArgument(index, array);
        return this;
    }

    ReusableOp output(int index, INDArray array) {
        setOutputArgument(index, array);
        return this;
    }

    ReusableOp ints(long... args) {
        iArguments.clear();
        for (long a : args) {
            iArguments.add(a);
        }
        return this;
    }

    ReusableOp floats(double... args) {
        tArguments.clear();
        for (double a : args) {
            tArguments.add(a);
        }
        return this;
    }

    void run() {
        Nd4j.exec(this);
    }
}
