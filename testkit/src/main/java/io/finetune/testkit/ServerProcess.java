package io.finetune.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real server (or service) running as a child process with its output in a log file. {@link #kill()} is SIGKILL,
 * for crash tests; {@link #stop()} is a graceful SIGTERM.
 */
public final class ServerProcess implements AutoCloseable {
    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private Process process;

    public ServerProcess(String name, List<String> command, Map<String, String> environment, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.log = log;
    }

    public synchronized ServerProcess start() {
        if (process != null && process.isAlive()) {
            return this;
        }
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(environment);
            process = pb.start();
            return this;
        } catch (IOException e) {
            throw new IllegalStateException(name + " failed to start (" + command.get(0) + "): " + e.getMessage()
                    + "; log: " + log, e);
        }
    }

    /**
     * Waits until {@code ready} holds, failing fast with the log's tail when the process dies or time runs out; a
     * process still not ready at the deadline is killed.
     */
    public ServerProcess awaitReady(Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " before it was ready; log " + log + ":\n" + tail());
            }
            try {
                if (ready.getAsBoolean()) {
                    return this;
                }
            } catch (RuntimeException ignored) {
                // not ready yet: the check is retried until the deadline
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
        String tail = tail();
        kill(); // never leave a process that did not come up running past the test (it would hold ports and CPU)
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s (killed); log "
                + log + ":\n" + tail);
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process.pid();
    }

    /** SIGKILL: the process gets no chance to clean up, as on a crash or node loss. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(30));
        }
    }

    public synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!waitFor(Duration.ofSeconds(20))) {
                process.destroyForcibly();
                waitFor(Duration.ofSeconds(10));
            }
        }
    }

    private boolean waitFor(Duration d) {
        try {
            return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public Path log() {
        return log;
    }

    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        stop();
    }
}
