package io.finetune.contracts;

import java.util.List;

/**
 * The architectures a training command may name: the one list the gateway checks commands against (400 at once), the
 * trainer validates with, and the {@code ml} module's registry is built from (a test keeps them equal).
 */
public final class ArchitectureNames {
    public static final String SEED_CNN = "seed-cnn";
    public static final String RES_CNN = "res-cnn";
    public static final String EFFICIENTNET_LITE0 = "efficientnet-lite0";
    public static final String EFFICIENTNET_LITE1 = "efficientnet-lite1";
    public static final String EFFICIENTNET_LITE2 = "efficientnet-lite2";

    /** Sorted. */
    public static final List<String> ALL = List.of(EFFICIENTNET_LITE0, EFFICIENTNET_LITE1, EFFICIENTNET_LITE2, RES_CNN,
            SEED_CNN);

    private ArchitectureNames() {
    }
}
