package io.finetune.inference;

import io.finetune.service.ApiException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Versions loaded on demand: the LRU bound, a bounded wait for a load, and errors that name what is wrong. */
class OnDemandVersionsTest {
    private static final Map<String, List<String>> STORED = Map.of("m", List.of("1", "2", "3", "4"), "n", List.of("1"));

    private final Map<String, CountingClassifier> classifiers = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();

    private OnDemandVersions versions(int max, Duration wait, int queued, CountDownLatch gate) {
        return new OnDemandVersions((name, version) -> {
            loads.incrementAndGet();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (version.equals("4")) {
                throw new ModelLoader.ModelRefusedException("expected probabilities summing to 1, found 0.5");
            }
            CountingClassifier c = new CountingClassifier(name, version);
            classifiers.put(name + ":" + version, c);
            return new LoadedModel(name, version, Instant.now(), c, null, null);
        }, name -> STORED.getOrDefault(name, List.of()), new OnDemandConfiguration(max, wait, queued));
    }

    private static CountDownLatch open() {
        return new CountDownLatch(0);
    }

    private static String version(OnDemandVersions versions, String name, String version) {
        try (LoadedModel.Lease lease = versions.acquire(name, version)) {
            return lease.model().version();
        }
    }

    @Test
    void namedVersionIsLoadedOnceAndAnswersWithThatVersion() {
        OnDemandVersions versions = versions(2, Duration.ofSeconds(10), 4, open());
        assertEquals("2", version(versions, "m", "2"));
        assertEquals("2", version(versions, "m", "2"));
        assertEquals(1, loads.get(), "the second request finds version 2 loaded");
        assertTrue(versions.isLoaded("m", "2"));
        assertFalse(versions.isLoaded("m", "1"));
    }

    @Test
    void leastRecentlyUsedVersionIsClosedBeyondTheBound() {
        OnDemandVersions versions = versions(2, Duration.ofSeconds(10), 4, open());
        version(versions, "m", "1");
        version(versions, "m", "2");
        version(versions, "m", "1"); // 2 is now the least recently used
        version(versions, "m", "3");
        assertTrue(versions.isLoaded("m", "1") && versions.isLoaded("m", "3"));
        assertFalse(versions.isLoaded("m", "2"), "three versions asked for, two kept");
        assertTrue(classifiers.get("m:2").closed.get(), "the evicted version is closed");
        assertFalse(classifiers.get("m:1").closed.get() || classifiers.get("m:3").closed.get());
    }

    @Test
    void evictedVersionStaysOpenUntilItsRunningRequestEnds() {
        OnDemandVersions versions = versions(1, Duration.ofSeconds(10), 4, open());
        LoadedModel.Lease running = versions.acquire("m", "1");
        version(versions, "n", "1");
        assertFalse(versions.isLoaded("m", "1"));
        assertFalse(classifiers.get("m:1").closed.get(), "a request still runs on version 1");
        running.close();
        assertTrue(classifiers.get("m:1").closed.get());
    }

    @Test
    void requestWaitsForTheLoadAtMostTheConfiguredTimeThenTheLoadGoesOn() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        OnDemandVersions versions = versions(2, Duration.ofMillis(200), 4, gate);
        long start = System.nanoTime();
        ApiException slow = assertThrows(ApiException.class, () -> versions.acquire("m", "3"));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(503, slow.status().getCode());
        assertTrue(slow.getMessage().contains("version 3 of model m") && slow.getMessage().contains("still loading"),
                slow.getMessage());
        assertTrue(waited >= 150 && waited < 5_000, "waited " + waited + " ms");
        gate.countDown();
        assertEquals("3", version(versions, "m", "3"));
        assertEquals(1, loads.get(), "the request after the timeout joins the same load");
    }

    @Test
    void versionsBeyondTheLoadQueueAreRefusedAtOnce() {
        CountDownLatch gate = new CountDownLatch(1);
        OnDemandVersions versions = versions(2, Duration.ofMillis(50), 1, gate);
        assertThrows(ApiException.class, () -> versions.acquire("m", "1")); // loading (blocked)
        assertThrows(ApiException.class, () -> versions.acquire("m", "2")); // queued
        ApiException full = assertThrows(ApiException.class, () -> versions.acquire("m", "3"));
        assertEquals(503, full.status().getCode());
        assertTrue(full.getMessage().contains("queue full"), full.getMessage());
        gate.countDown();
        assertEquals("2", version(versions, "m", "2"));
    }

    @Test
    void unknownModelOrVersionIs404NamingIt() {
        OnDemandVersions versions = versions(2, Duration.ofSeconds(10), 4, open());
        ApiException model = assertThrows(ApiException.class, () -> versions.acquire("ghost", "1"));
        assertEquals(404, model.status().getCode());
        assertTrue(model.getMessage().contains("'ghost'"), model.getMessage());
        ApiException version = assertThrows(ApiException.class, () -> versions.acquire("m", "9"));
        assertEquals(404, version.status().getCode());
        assertTrue(version.getMessage().contains("[1, 2, 3, 4]") && version.getMessage().contains("'9'"),
                version.getMessage());
        assertEquals(0, loads.get(), "nothing is loaded for a version that does not exist");
    }

    @Test
    void refusedVersionIs409AndNotLoadedAgain() {
        OnDemandVersions versions = versions(2, Duration.ofSeconds(10), 4, open());
        for (int i = 0; i < 2; i++) {
            ApiException refused = assertThrows(ApiException.class, () -> versions.acquire("m", "4"));
            assertEquals(409, refused.status().getCode());
            assertTrue(refused.getMessage().contains("summing to 1"), refused.getMessage());
        }
        assertEquals(1, loads.get());
    }
}
