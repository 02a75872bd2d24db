package io.finetune.ml.net;

import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What a step needs from the executor that runs it: parameters, gradient buffers, a oneDNN stream, timings. */
interface StepContext {
    /** A parameter's live array. */
    INDArray param(String name);

    /** The gradient buffer of a parameter, reused by every step (callers consume gradients before the next). */
    INDArray gradient(String name);

    /** The executor's oneDNN stream (one per executor: a stream serves one thread at a time). */
    stream stream();

    /** Registers an array this executor allocated, so that closing the executor frees it; returns it. */
    INDArray track(INDArray array);

    /** Registers a oneDNN convolution, closed with the executor; returns it. */
    DnnlConvolution track(DnnlConvolution convolution);

    /** A row of {@code n} ones (a view of one shared buffer): sums over rows as matrix products. */
    INDArray ones(long n);

    /** A start time for {@link #stop}, or 0 when timings are off. */
    long start();

    /** Adds the time since {@code started} to {@code op}'s total, when timings are on. */
    void stop(String op, long started);
}
