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
 * a load stuck in storage or in native code otherwise keeps the service unready without a word in the log. Once a
 * watch is closed it reports nothing more (a report running at that moment finishes before {@code close} returns).
 */
final class SlowLoadReporter {
    private static final Logger LOG = LoggerFactory.getLogger(SlowLoadReporter.class);

    /** Runs a task every period until the returned handle cancels it. */
    @FunctionalInterface
    interface Scheduler {
        Runnable every(Duration period, Runnable task);
    }

    private final ScheduledExecutorService timer;
    private final Scheduler scheduler;
    private final Duration period;
    private final Consumer<String> sink;

    SlowLoadReporter(Duration period) {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slow-load-reporter");
            t.setDaemon(true);
            return t;
        });
        this.scheduler = (every, task) -> {
            ScheduledFuture<?> future = timer.scheduleAtFixedRate(task, every.toMillis(), every.toMillis(),
                    TimeUnit.MILLISECONDS);
            return () -> future.cancel(false);
        };
        this.period = period;
        this.sink = LOG::warn;
    }

    /** With the caller's scheduler and sink (tests drive time by hand). */
    SlowLoadReporter(Duration period, Consumer<String> sink, Scheduler scheduler) {
        this.timer = null;
        this.scheduler = scheduler;
        this.period = period;
        this.sink = sink;
    }

    /** Starts watching {@code loader} (the thread doing the load) until the returned handle is closed. */
    Watch watch(Thread loader, String what) {
        long started = System.nanoTime();
        Object lock = new Object();
        boolean[] closed = {false};
        Runnable cancel = scheduler.every(period, () -> {
            synchronized (lock) {
                if (!closed[0]) {
                    sink.accept("still loading " + what + " after " + (System.nanoTime() - started) / 1_000_000_000
                            + " s; " + loader.getName() + " is at:\n" + Arrays.stream(loader.getStackTrace())
                            .map(f -> "    at " + f).collect(Collectors.joining("\n")));
                }
            }
        });
        return () -> {
            synchronized (lock) {
                closed[0] = true;
            }
            cancel.run();
        };
    }

    void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    interface Watch extends AutoCloseable {
        @Override
        void close();
    }
}
