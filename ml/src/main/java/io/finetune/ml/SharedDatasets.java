package io.finetune.ml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the shared flower datasets: env {@code FINETUNE_DATASETS}, else {@code ../shared/datasets} from the
 * repository root (or from a module directory one level down).
 */
public final class SharedDatasets {
    public static final String ENV = "FINETUNE_DATASETS";

    private SharedDatasets() {
    }

    public static Optional<Path> locate() {
        return SharedFolders.find(ENV, "datasets",
                p -> Files.isDirectory(p.resolve("flower5")) || Files.isDirectory(p.resolve("flower102")));
    }

    public static String absentMessage() {
        return "shared datasets not found: set " + ENV + " or place them at ../shared/datasets (relative to the "
                + "repository root)";
    }
}
