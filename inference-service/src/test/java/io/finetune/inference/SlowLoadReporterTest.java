package io.finetune.inference;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlowLoadReporterTest {
    @Test
    void aLoadStillRunningIsReportedWithWhereItsThreadIsAndNothingAfterItEnds() throws Exception {
        List<String> reports = new CopyOnWriteArrayList<>();
        SlowLoadReporter reporter = new SlowLoadReporter(Duration.ofMillis(100), reports::add);
        CountDownLatch release = new CountDownLatch(1);
        Thread loader = new Thread(() -> stuckInStorage(release), "model-loader");
        loader.start();
        try (SlowLoadReporter.Watch watch = reporter.watch(loader, "m version 3")) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reports.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        release.countDown();
        loader.join();
        Thread.sleep(150); // a report already running when the watch closed may still land
        int count = reports.size();
        Thread.sleep(300);
        reporter.close();
        assertTrue(count >= 1, "expected a report while the load ran");
        assertTrue(reports.get(0).startsWith("still loading m version 3 after "), reports.get(0));
        assertTrue(reports.get(0).contains("stuckInStorage"), "the stack names where the thread is: " + reports.get(0));
        assertEquals(count, reports.size(), "no report after the watch was closed");
    }

    private static void stuckInStorage(CountDownLatch release) {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
