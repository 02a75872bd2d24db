package io.finetune.demo;

import io.finetune.testkit.FreePorts;
import io.finetune.testkit.RepositoryLayout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code ./finetune} as a user runs it, with its state in {@code localDir} and every component on a free port (so a
 * test never meets a developer's running system), the shared datasets passed on.
 */
final class LocalLauncher {
    static final Path ROOT = RepositoryLayout.root();
    private static final List<String> PORTS = List.of("KAFKA", "KAFKA_CONTROLLER", "MINIO", "MINIO_CONSOLE",
            "PROMETHEUS", "GATEWAY", "GATEWAY_MANAGEMENT", "DATASET", "TRAINER", "INFERENCE");

    private final Path localDir;
    private final Map<String, String> env = new LinkedHashMap<>();

    LocalLauncher(Path localDir) {
        this.localDir = localDir.toAbsolutePath();
        env.put("FINETUNE_LOCAL_DIR", this.localDir.toString());
        for (String port : PORTS) {
            env.put("FINETUNE_" + port + "_PORT", Integer.toString(FreePorts.next()));
        }
        RepositoryLayout.datasets().ifPresent(d -> env.put("FINETUNE_DATASETS", d.toString()));
    }

    Path localDir() {
        return localDir;
    }

    /** The launcher's environment: state folder, ports, datasets. */
    Map<String, String> environment() {
        return Map.copyOf(env);
    }

    int port(String component) {
        return Integer.parseInt(env.get("FINETUNE_" + component + "_PORT"));
    }

    /** {@code ./finetune down} for a system a test class started; nothing when it never got that far. */
    static void downIfStarted(LocalLauncher launcher) throws IOException, InterruptedException {
        if (launcher != null) {
            launcher.run("down");
        }
    }

    /** Runs {@code ./finetune command}, its output inherited, and requires exit code 0 within 10 minutes. */
    void run(String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("finetune").toString(), command).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("./finetune " + command + " did not finish within 10 minutes");
        }
        assertEquals(0, p.exitValue(), "./finetune " + command + " exit code (logs in " + localDir.resolve("logs")
                + ")");
    }
}
