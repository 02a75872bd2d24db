package io.finetune.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external checker (promtool, kubectl) and returns its output, failing with that output when it fails. */
final class Tools {
    private Tools() {
    }

    static Path require(String name, String hint) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError("expected '" + name + "' on PATH, found none: " + hint);
    }

    static String run(Path workDir, String... command) {
        return run(workDir, java.util.Set.of(0), command);
    }

    /** Like {@link #run(Path, String...)}, for tools whose exit code also reports findings (kube-score exits 1). */
    static String run(Path workDir, java.util.Set<Integer> expectedExitCodes, String... command) {
        try {
            Path out = Files.createTempFile("tool-", ".out");
            List<String> cmd = new ArrayList<>(List.of(command));
            Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish within 120 s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            if (!expectedExitCodes.contains(p.exitValue())) {
                throw new AssertionError(String.join(" ", cmd) + " failed with exit code " + p.exitValue() + ":\n"
                        + text);
            }
            return text;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
