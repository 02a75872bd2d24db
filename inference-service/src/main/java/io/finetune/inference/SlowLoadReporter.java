package io.finetune.inference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Reports a model load that takes too long, with the loading thread's stack, every {@code period} until it ends:
 * a load stuck in storage or in native code otherwise keeps the service unready without a word in the log.
 */
final class SlowLoadReporter {
    private static final Logger LOG = LoggerFactory.getLogger(SlowLoadReporter.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slow-load-reporter");
        t.setDaemon(true);
        return t;
    });
    private final Duration period;
    private final Consumer<String> sink;

    SlowLoadReporter(Duration period) {
        this(period, LOG::warn);
    }

    SlowLoadReporter(Duration period, Consumer<String> sink) {
        this.period = period;
        this.sink = sink;
    }

    /** Starts watching {@code loader} (the thread doing the load) until the returned handle is closed. */
    Watch watch(Thread loader, String what) {
        long started = System.nanoTime();
        ScheduledFuture<?> task = timer.scheduleAtFixedRate(() -> sink.accept("still loading " + what + " after "
                        + (System.nanoTime() - started) / 1_000_000_000 + " s; " + loader.getName() + " is at:\n"
                        + Arrays.stream(loader.getStackTrace()).map(f -> "    at " + f)
                        .collect(Collectors.joining("\n"))),
                period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return () -> task.cancel(false);
    }

    void close() {
        timer.shutdownNow();
    }

    interface Watch extends AutoCloseable {
        @Override
        void close();
    }
}
