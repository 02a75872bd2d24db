package io.finetune.testkit;

import java.time.Duration;

/**
 * A server run as a child process (Kafka, MinIO) that a test can kill with SIGKILL and start again on the same ports
 * and data, to prove that the services survive it.
 */
public abstract class RestartableServer implements AutoCloseable {
    private final ServerProcess process;
    private final Duration startTimeout;

    protected RestartableServer(ServerProcess process, Duration startTimeout) {
        this.process = process;
        this.startTimeout = startTimeout;
    }

    /** True once the server answers (its port, its health endpoint). */
    protected abstract boolean serving();

    /** Starts the process and waits until it serves. */
    protected final void startProcess() {
        process.start().awaitReady(startTimeout, this::serving);
    }

    /** SIGKILL, then start again on the same ports and data. */
    public void restart() {
        process.kill();
        startProcess();
    }

    /** SIGKILL: the server stops at once, without a clean shutdown. */
    public void kill() {
        process.kill();
    }

    /** After {@link #kill}: starts it again on the same ports and data. */
    public void startAgain() {
        startProcess();
    }

    @Override
    public void close() {
        process.stop();
    }
}
