package io.finetune.inference;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlowLoadReporterTest {
    /** A scheduler whose time moves only when the test ticks it. */
    private static final class ManualScheduler implements SlowLoadReporter.Scheduler {
        private final List<Runnable> tasks = new ArrayList<>();
        private final List<Boolean> cancelled = new ArrayList<>();

        @Override
        public Runnable every(Duration period, Runnable task) {
            int index = tasks.size();
            tasks.add(task);
            cancelled.add(false);
            return () -> cancelled.set(index, true);
        }

        void tick() {
            for (int i = 0; i < tasks.size(); i++) {
                if (!cancelled.get(i)) {
                    tasks.get(i).run();
                }
            }
        }
    }

    @Test
    void aLoadStillRunningIsReportedWithWhereItsThreadIsAndNothingAfterItEnds() throws Exception {
        List<String> reports = new ArrayList<>();
        ManualScheduler time = new ManualScheduler();
        SlowLoadReporter reporter = new SlowLoadReporter(Duration.ofSeconds(30), reports::add, time);
        CountDownLatch inStorage = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread loader = new Thread(() -> stuckInStorage(inStorage, release), "model-loader");
        loader.start();
        inStorage.await();
        try (SlowLoadReporter.Watch watch = reporter.watch(loader, "m version 3")) {
            time.tick();
            time.tick();
        }
        release.countDown();
        loader.join();
        assertEquals(2, reports.size(), "one report per period while the load ran: " + reports);
        assertTrue(reports.get(0).startsWith("still loading m version 3 after "), reports.get(0));
        assertTrue(reports.get(0).contains("stuckInStorage"), "the stack names where the thread is: " + reports.get(0));
        time.tick();
        time.tick();
        assertEquals(2, reports.size(), "no report after the watch was closed");
    }

    private static void stuckInStorage(CountDownLatch inStorage, CountDownLatch release) {
        inStorage.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
