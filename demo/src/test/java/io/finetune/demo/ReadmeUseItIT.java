package io.finetune.demo;

import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.RequiredInputs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Use it" section, run as written: {@code ./finetune up} (real Kafka, MinIO, Prometheus, the four
 * services, on free ports, state under target/), then every {@code ```bash use-it} block of README.md in one bash
 * ({@code set -euo pipefail}: a failing curl, a job that does not complete, a wrong JSON field stops it), from the
 * repository root, with only the launcher's environment. The section uploads a dataset, fine-tunes the ImageNet
 * backbone, predicts, publishes a command with Kafka's console producer, reads the events with the console
 * consumer, cancels a job and fetches the OpenAPI document.
 */
class ReadmeUseItIT {
    private static final Path WORK = LocalLauncher.ROOT.resolve("demo/target/readme-it");
    private static LocalLauncher launcher;

    @BeforeAll
    static void up() throws Exception {
        RequiredInputs.require(RepositoryLayout.datasets().isPresent(),
                "../shared/datasets (or $FINETUNE_DATASETS) is absent, and the README's commands use its flowers");
        RequiredInputs.require(Files.isRegularFile(LocalLauncher.ROOT.resolve(
                        "../shared/weights/efficientnet-lite0/model.safetensors"))
                        || System.getenv("FINETUNE_WEIGHTS_DIR") != null,
                "../shared/weights is absent, and the README fine-tunes the ImageNet EfficientNet-Lite0");
        DemoData.deleteRecursively(WORK);
        launcher = new LocalLauncher(WORK.resolve("local"));
        launcher.run("up");
    }

    @AfterAll
    static void down() throws Exception {
        LocalLauncher.downIfStarted(launcher);
    }

    @Test
    void theUseItCommandsOfTheReadmeWorkAsWritten() throws Exception {
        List<String> blocks = UseItBlocks.extract(Files.readString(LocalLauncher.ROOT.resolve("README.md")));
        assertTrue(blocks.size() >= 5, "expected the README's Use-it blocks, found " + blocks.size());
        String script = "set -euo pipefail\nset -x\n" + String.join("\n", blocks);
        Path log = WORK.resolve("use-it.log");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(LocalLauncher.ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(launcher.environment());
        Process p = pb.start();
        boolean finished = p.waitFor(20, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        String tail = output.substring(Math.max(0, output.length() - 6000));
        assertTrue(finished, "the README's commands did not finish within 20 minutes; the end of " + log + ":\n"
                + tail);
        assertEquals(0, p.exitValue(), "a README command failed (set -x shows which); the end of " + log + ":\n"
                + tail);
        assertTrue(output.contains("\"model\":\"mini-lite0\""), "a prediction by the fine-tuned model:\n" + tail);
        assertTrue(output.contains("openapi: 3"), "the OpenAPI document:\n" + tail);
    }
}
