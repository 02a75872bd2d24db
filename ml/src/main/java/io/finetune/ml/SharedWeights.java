package io.finetune.ml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the shared pretrained weights: env {@code FINETUNE_WEIGHTS_DIR}, else {@code ../shared/weights} from the
 * repository root (or from a module directory one level down). Each backbone is a folder named after its
 * architecture ({@code efficientnet-lite0/}) holding {@code model.safetensors} and {@code imagenet_classes.txt}.
 */
public final class SharedWeights {
    public static final String ENV = "FINETUNE_WEIGHTS_DIR";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String CLASSES_FILE = "imagenet_classes.txt";

    private SharedWeights() {
    }

    public static Optional<Path> locate() {
        return SharedFolders.find(ENV, "weights", Files::isDirectory);
    }

    /** The folder of one backbone, when its weights are there. */
    public static Optional<Path> backbone(String architecture) {
        return locate().map(root -> root.resolve(architecture))
                .filter(dir -> Files.isRegularFile(dir.resolve(WEIGHTS_FILE)));
    }

    /** Every backbone folder with weights, sorted by name. */
    public static List<Path> backbones() {
        Optional<Path> root = locate();
        if (root.isEmpty()) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(root.get())) {
            return new ArrayList<>(children.filter(d -> Files.isRegularFile(d.resolve(WEIGHTS_FILE))).sorted()
                    .toList());
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    public static String absentMessage() {
        return "pretrained weights not found: set " + ENV + " or place them at ../shared/weights (relative to the "
                + "repository root), one folder per backbone (efficientnet-lite0/model.safetensors, ...)";
    }
}
