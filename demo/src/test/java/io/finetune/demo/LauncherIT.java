package io.finetune.demo;

import io.finetune.testkit.FreePorts;
import io.finetune.testkit.RepositoryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher's own failures say which component failed and where its log is. */
class LauncherIT {
    private static final Path ROOT = RepositoryLayout.root();

    private record Result(int code, String output) {
    }

    private static Result finetune(Map<String, String> env, String... args) throws IOException, InterruptedException {
        var command = new java.util.ArrayList<String>();
        command.add(ROOT.resolve("finetune").toString());
        command.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "./finetune " + String.join(" ", args) + " finished");
        return new Result(p.exitValue(), out);
    }

    private static Map<String, String> isolated(Path local) throws IOException {
        Files.createDirectories(local);
        Files.writeString(local.resolve("credentials.env"), "FINETUNE_STORAGE_ACCESS_KEY=finetune\n"
                + "FINETUNE_STORAGE_SECRET_KEY=launcher-test-secret\nFINETUNE_GATEWAY_API_KEYS=test-key\n");
        Map<String, String> env = new java.util.HashMap<>();
        env.put("FINETUNE_LOCAL_DIR", local.toString());
        for (String port : java.util.List.of("KAFKA", "KAFKA_CONTROLLER", "MINIO", "MINIO_CONSOLE", "PROMETHEUS",
                "GATEWAY", "GATEWAY_MANAGEMENT", "DATASET", "TRAINER", "INFERENCE")) {
            env.put("FINETUNE_" + port + "_PORT", Integer.toString(FreePorts.next()));
        }
        return env;
    }

    @Test
    void aTakenPortIsNamedWithItsComponent(@TempDir Path dir) throws Exception {
        Map<String, String> env = isolated(dir.resolve("local"));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            env.put("FINETUNE_KAFKA_PORT", Integer.toString(taken.getLocalPort()));
            Result r = finetune(env, "up");
            assertNotEquals(0, r.code());
            assertTrue(r.output().contains("port " + taken.getLocalPort() + " for Kafka is taken"), r.output());
        } finally {
            finetune(env, "down");
        }
    }

    @Test
    void aServerThatFailsToStartIsNamedWithItsLogFile(@TempDir Path dir) throws Exception {
        Map<String, String> env = isolated(dir.resolve("local"));
        Path fake = dir.resolve("minio");
        Files.writeString(fake, "#!/bin/sh\necho 'minio: cannot start: disk on fire' >&2\nexit 3\n");
        assertTrue(fake.toFile().setExecutable(true));
        env.put("MINIO_BIN", fake.toString());
        try {
            Result r = finetune(env, "up");
            assertNotEquals(0, r.code());
            assertTrue(r.output().contains("minio exited while starting; its log is " + dir.resolve("local/logs/minio.log")),
                    r.output());
            assertTrue(r.output().contains("disk on fire"), "the log's tail is shown: " + r.output());
        } finally {
            Result down = finetune(env, "down");
            assertEquals(0, down.code(), down.output());
        }
        Result status = finetune(env, "status");
        assertTrue(status.output().contains("kafka") && status.output().contains("stopped"), status.output());
    }

    @Test
    void unknownCommandsAndMissingLogsSayWhatIsWrong(@TempDir Path dir) throws Exception {
        Map<String, String> env = isolated(dir.resolve("local"));
        Result unknown = finetune(env, "launch");
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.output().contains("unknown command 'launch'"), unknown.output());
        Result logs = finetune(env, "logs", "trainer-service");
        assertNotEquals(0, logs.code());
        assertTrue(logs.output().contains("no log for 'trainer-service'"), logs.output());
    }
}
