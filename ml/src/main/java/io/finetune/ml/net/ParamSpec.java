package io.finetune.ml.net;

/**
 * One named parameter of a layer.
 *
 * @param fanIn  inputs feeding one output unit (for initialization)
 * @param fanOut outputs fed by one input unit
 */
public record ParamSpec(String name, long[] shape, Init init, long fanIn, long fanOut) {
    public enum Init {
        /** He uniform, for weights followed by ReLU. */
        HE_UNIFORM,
        /** Glorot uniform, for the output layer (the reference's Keras default). */
        GLOROT_UNIFORM,
        ZEROS,
        ONES
    }

    /** Batch-norm running statistics: updated from batch moments, never by the optimizer. */
    public boolean isRunningStatistic() {
        return name.endsWith("/mean") || name.endsWith("/var");
    }

    public long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
