package io.finetune.ml.net;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Named float arrays laid out one after another in a single contiguous buffer, each name a shaped view of its
 * range: one op over {@link #flat()} then covers them all (the optimizer updates a whole head with one Adam op
 * instead of one per parameter).
 */
final class FlatArrays {
    private final INDArray flat;
    private final Map<String, INDArray> views = new LinkedHashMap<>();

    FlatArrays(List<String> names, Function<String, long[]> shapes) {
        long total = 0;
        for (String name : names) {
            total += length(shapes.apply(name));
        }
        flat = Nd4j.zeros(DataType.FLOAT, total);
        long offset = 0;
        for (String name : names) {
            long[] shape = shapes.apply(name);
            long length = length(shape);
            views.put(name, flat.get(NDArrayIndex.interval(offset, offset + length)).reshape('c', shape));
            offset += length;
        }
    }

    INDArray flat() {
        return flat;
    }

    INDArray view(String name) {
        INDArray v = views.get(name);
        if (v == null) {
            throw new IllegalArgumentException("expected one of " + views.keySet() + ", found " + name);
        }
        return v;
    }

    Map<String, INDArray> views() {
        return views;
    }

    private static long length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
