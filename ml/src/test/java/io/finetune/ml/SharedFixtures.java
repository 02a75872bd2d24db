package io.finetune.ml;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tests that need {@code ../shared}: skipped with the reason when it is absent, failed when {@code CI=true} (a CI
 * machine without the data would otherwise pass by skipping everything that matters).
 */
public final class SharedFixtures {
    private SharedFixtures() {
    }

    public static Path datasets() {
        return require(SharedDatasets.locate(), SharedDatasets.absentMessage());
    }

    public static Path weights(String architecture) {
        return require(SharedWeights.backbone(architecture), SharedWeights.absentMessage() + " (" + architecture
                + ")");
    }

    static Path require(Optional<Path> found, String message) {
        if (found.isEmpty()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + "; CI=true requires it");
            }
            Assumptions.abort(message);
        }
        return found.get();
    }
}
