package io.finetune.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from outside the repository (the shared datasets and weights, Chromium): present, the test runs;
 * absent, it is skipped with the message, except under {@code CI=true}, where it fails with it (CI installs and
 * mounts everything, so an absent input there is a broken machine, not a reason to pass silently).
 */
public final class RequiredInputs {
    private RequiredInputs() {
    }

    /** True when the environment says CI ({@code CI=true}). */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips the test (or, under CI, fails it) with {@code message} unless {@code present}. */
    public static void require(boolean present, String message) {
        if (present) {
            return;
        }
        if (ci()) {
            Assertions.fail(message + " (CI=true requires it)");
        }
        Assumptions.abort("skipped: " + message);
    }
}
