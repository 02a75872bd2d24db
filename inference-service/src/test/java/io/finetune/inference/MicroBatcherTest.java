package io.finetune.inference;

import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.Prediction;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MicroBatcherTest {
    @Test
    void concurrentRequestsShareBatchesUpToTheMaximumSize() throws Exception {
        CountingClassifier c = new CountingClassifier("m", "1");
        try (MicroBatcher batcher = new MicroBatcher(c, "m", 4, Duration.ofMillis(200), 1)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Prediction>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int k = 1 + i % 2;
                results.add(pool.submit(() -> {
                    go.await();
                    return batcher.predict(new byte[]{1}, k);
                }));
            }
            go.countDown();
            for (int i = 0; i < 8; i++) {
                assertEquals(1 + i % 2, results.get(i).get(30, TimeUnit.SECONDS).top().size(),
                        "each request gets its own topK");
            }
            pool.shutdown();
        }
        assertEquals(8, c.batchSizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(c.batchSizes.stream().allMatch(n -> n <= 4), "batches hold at most 4: " + c.batchSizes);
        assertTrue(c.batchSizes.stream().anyMatch(n -> n > 1), "some requests shared a batch: " + c.batchSizes);
    }

    @Test
    void aRejectedImageFailsOnlyItsOwnRequest() throws Exception {
        CountingClassifier c = new CountingClassifier("m", "1");
        try (MicroBatcher batcher = new MicroBatcher(c, "m", 8, Duration.ofMillis(300), 1)) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            CountDownLatch go = new CountDownLatch(1);
            Future<Prediction> good1 = pool.submit(() -> {
                go.await();
                return batcher.predict(new byte[]{1}, 1);
            });
            Future<Prediction> bad = pool.submit(() -> {
                go.await();
                return batcher.predict(new byte[]{0}, 1);
            });
            Future<Prediction> good2 = pool.submit(() -> {
                go.await();
                return batcher.predict(new byte[]{2}, 1);
            });
            go.countDown();
            assertEquals("a", good1.get(30, TimeUnit.SECONDS).top().get(0).className());
            assertEquals("a", good2.get(30, TimeUnit.SECONDS).top().get(0).className());
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof ImageRejectedException, e.toString());
            pool.shutdown();
        }
    }
}
