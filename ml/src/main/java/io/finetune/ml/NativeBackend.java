package io.finetune.ml;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Which native ND4J build this process runs on. With both {@code nd4j-native} natives on the classpath (the plain
 * {@code linux-x86_64} one arrives transitively), ND4J's loader picks the {@code onednn-avx2} build by itself:
 * measured, no property needed. {@link #describe()} says which one won, for logs and provenance.
 */
public final class NativeBackend {
    private NativeBackend() {
    }

    /** For example {@code AVX2 oneDNN}; {@code generic} means the slow plain build was loaded. */
    public static String describe() {
        Nd4j.getExecutioner();
        NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        String level = switch (ops.binaryLevel()) {
            case 0, 1 -> "generic";
            case 2 -> "AVX2";
            case 3 -> "AVX512";
            default -> "level-" + ops.binaryLevel();
        };
        return level + (ops.buildInfo().contains("HAVE_ONEDNN") ? " oneDNN" : " no-oneDNN");
    }

    public static boolean usesOneDnn() {
        Nd4j.getExecutioner();
        return NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
    }
}
