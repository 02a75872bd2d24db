package io.finetune.ml;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.LoggerFactory;

/**
 * Which native ND4J build this process runs on. With both {@code nd4j-native} natives on the classpath (the plain
 * {@code linux-x86_64} one arrives transitively), ND4J's loader picks the {@code onednn-avx2} build by itself:
 * measured, no property needed. {@link #describe()} says which one won, for logs and provenance.
 */
public final class NativeBackend {
    private NativeBackend() {
    }

    /**
     * Loads ND4J's natives now, on the calling thread, and logs which build: services call it first thing in
     * {@code main}. A service that loaded them lazily on a model-loading thread while its HTTP server was starting
     * hung once for good: the loader thread's stack ended in JavaCPP's symbol lookup ({@code Loader.addressof} for
     * OpenBLAS) inside glibc's {@code dl_iterate_phdr}, whose callback's {@code dlclose} waited for the loader lock.
     */
    public static String load() {
        String described = describe();
        LoggerFactory.getLogger(NativeBackend.class).info("ND4J natives loaded: {}", described);
        return described;
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
