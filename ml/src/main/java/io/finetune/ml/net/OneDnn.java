package io.finetune.ml.net;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * oneDNN driven directly, through the JavaCPP binding ({@code org.bytedeco:dnnl}), on ND4J arrays: primitives are
 * created once per shape and executed on the arrays' own buffers (no copies, no per-call primitive creation, no
 * layout reorders of activations: activations are NHWC, weights live in the layout the primitive chose). ND4J's own
 * oneDNN is linked into libnd4j and not callable from Java, hence this second copy of the library (oneDNN 2.5.2).
 */
final class OneDnn {
    private OneDnn() {
    }

    /** The CPU engine, created on first use. */
    static engine engine() {
        return EngineHolder.ENGINE;
    }

    /** A stream for one executor (a oneDNN stream must not be used by two threads at once). */
    static stream newStream() {
        return new stream(engine());
    }

    private static final class EngineHolder {
        static final engine ENGINE = create();

        /** The CPU engine; {@code FINETUNE_DNNL_VERBOSE=1|2} turns on oneDNN's verbose log (profiling). */
        private static engine create() {
            String verbose = System.getenv("FINETUNE_DNNL_VERBOSE");
            if (verbose != null && !verbose.isBlank()) {
                org.bytedeco.dnnl.global.dnnl.dnnl_set_verbose(Integer.parseInt(verbose.trim()));
            }
            return new engine(engine.kind.cpu, 0);
        }
    }

    static memory.desc desc(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    /** An NHWC activation {@code [n, h, w, c]} described in oneDNN's logical order (n, c, h, w). */
    static memory.desc nhwc(long n, long h, long w, long c) {
        return desc(new long[]{n, c, h, w}, memory.format_tag.nhwc);
    }

    /** A memory of {@code desc} with its own buffer (for weights in the primitive's layout). */
    static memory owned(memory.desc desc) {
        return new memory(desc, engine());
    }

    /** A memory of {@code desc} whose data handle is set at each call ({@link #bind}). */
    static memory unbound(memory.desc desc) {
        return new memory(desc, engine(), (Pointer) null);
    }

    /** Points {@code m} at a plain float array's first element (views included: the address carries the offset). */
    static memory bind(memory m, INDArray array) {
        if (array.dataType() != DataType.FLOAT || !contiguous(array)) {
            throw new IllegalArgumentException("expected a contiguous C-ordered float array, found " + array.dataType()
                    + " " + java.util.Arrays.toString(array.shape()) + " with strides "
                    + java.util.Arrays.toString(array.stride()));
        }
        m.set_data_handle(array.data().addressPointer());
        return m;
    }

    /** Elements in C order with no gaps (strides of size-1 axes do not matter). */
    static boolean contiguous(INDArray array) {
        long expected = 1;
        long[] shape = array.shape();
        long[] stride = array.stride();
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    static IntMemoryMap args(Object... keysAndMemories) {
        IntMemoryMap map = new IntMemoryMap();
        for (int i = 0; i < keysAndMemories.length; i += 2) {
            map.put((Integer) keysAndMemories[i], (memory) keysAndMemories[i + 1]);
        }
        return map;
    }

    static void run(primitive p, stream s, IntMemoryMap args) {
        p.execute(s, args);
        s._wait();
    }

    /** A reorder between two memories (for example user-layout weights into the primitive's layout). */
    static final class Reorder {
        private final primitive primitive;
        private final IntMemoryMap args;

        Reorder(memory from, memory to) {
            this.primitive = new reorder(from, to);
            this.args = args(org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM, from,
                    org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO, to);
        }

        void run(stream s) {
            OneDnn.run(primitive, s, args);
        }

        /** Frees the primitive and its argument map (which holds references to both memories). */
        void close() {
            args.close();
            primitive.close();
        }
    }
}
