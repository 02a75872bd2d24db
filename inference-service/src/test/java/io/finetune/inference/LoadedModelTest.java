package io.finetune.inference;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadedModelTest {
    private static LoadedModel model(CountingClassifier c, String version) {
        return new LoadedModel("m", version, Instant.now(), c, null, null);
    }

    @Test
    void retiredVersionStaysOpenUntilItsLastLeaseIsReleased() throws Exception {
        CountingClassifier old = new CountingClassifier("m", "1");
        ServedModel served = new ServedModel(new ModelSelection("m", "latest"), true);
        served.activate(model(old, "1"));
        LoadedModel.Lease inFlight = served.acquire();
        assertNotNull(inFlight);

        served.activate(model(new CountingClassifier("m", "2"), "2"));

        assertFalse(old.closed.get(), "the old version must stay open while a request holds it");
        assertEquals("a", inFlight.predict(new byte[]{1}, 1).top().get(0).className(), "the old version still answers");
        assertEquals("1", inFlight.model().version());
        try (LoadedModel.Lease next = served.acquire()) {
            assertEquals("2", next.model().version());
        }
        inFlight.close();
        assertTrue(old.closed.get(), "the old version closes when its last request finishes");
        inFlight.close(); // idempotent
    }

    @Test
    void closedVersionCannotBeLeasedAgain() {
        CountingClassifier c = new CountingClassifier("m", "1");
        LoadedModel m = model(c, "1");
        m.retire();
        assertTrue(c.closed.get());
        assertNull(m.tryAcquire());
    }

    @Test
    void noRequestSeesAClosedClassifierWhileVersionsSwapConcurrently() throws Exception {
        ServedModel served = new ServedModel(new ModelSelection("m", "latest"), true);
        served.activate(model(new CountingClassifier("m", "1"), "1"));
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> workers = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(8);
        for (int i = 0; i < 8; i++) {
            workers.add(pool.submit(() -> {
                started.countDown();
                int n = 0;
                while (!stop.get()) {
                    try (LoadedModel.Lease lease = served.acquire()) {
                        lease.predict(new byte[]{1}, 1); // throws if its classifier were closed
                        n++;
                    }
                }
                return n;
            }));
        }
        started.await();
        List<CountingClassifier> all = new ArrayList<>();
        for (int v = 2; v <= 200; v++) {
            CountingClassifier c = new CountingClassifier("m", Integer.toString(v));
            all.add(c);
            served.activate(model(c, Integer.toString(v)));
        }
        stop.set(true);
        int total = 0;
        for (Future<Integer> f : workers) {
            total += f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(total > 0);
        for (int i = 0; i < all.size() - 1; i++) {
            assertTrue(all.get(i).closed.get(), "retired version " + (i + 2) + " must be closed once idle");
        }
        assertFalse(all.get(all.size() - 1).closed.get(), "the active version stays open");
    }
}
