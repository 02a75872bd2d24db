package io.finetune.trainer;

import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ExclusiveWrites;
import io.finetune.service.ObjectStore;
import io.finetune.service.StorageConfiguration;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.minio.MinioClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Version claims against the real MinIO: its conditional PUT is what keeps concurrent publishers apart. */
@ExtendWith(InfraExtension.class)
class ModelVersionClaimIT {
    private static ModelRepository repository(Infra infra) {
        MinioClient client = infra.minioClient();
        StorageConfiguration storage = new StorageConfiguration(infra.minioEndpoint(), infra.accessKey(),
                infra.secretKey(), ObjectLayout.DEFAULT_BUCKET);
        TrainerConfiguration trainer = new TrainerConfiguration("g", "earliest", 1, Duration.ofSeconds(10),
                Duration.ofMillis(200), RepositoryLayout.scratch("claims").toString(), null, 3, Duration.ofSeconds(1),
                2);
        return new ModelRepository(new ObjectStore(client, storage), new ExclusiveWrites(client, storage), trainer);
    }

    @Test
    void aCreateOnlyWriteSucceedsOnceThenReportsTheKeyExists(Infra infra) {
        StorageConfiguration storage = new StorageConfiguration(infra.minioEndpoint(), infra.accessKey(),
                infra.secretKey(), ObjectLayout.DEFAULT_BUCKET);
        ExclusiveWrites writes = new ExclusiveWrites(infra.minioClient(), storage);
        String key = "claims-test/" + UUID.randomUUID();
        assertTrue(writes.createIfAbsent(key, "a".getBytes(StandardCharsets.UTF_8), "text/plain"));
        assertFalse(writes.createIfAbsent(key, "b".getBytes(StandardCharsets.UTF_8), "text/plain"));
    }

    @Test
    void aJobKeepsItsClaimAndTheNextJobTakesTheNextNumber(Infra infra) {
        ModelRepository models = repository(infra);
        String name = "claim-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals("1", models.claimVersion(name, "job-a"));
        assertEquals("2", models.claimVersion(name, "job-b"));
        assertEquals("1", models.claimVersion(name, "job-a"), "a job that crashed after claiming reuses its claim");
        assertEquals("job-b", models.claimHolder(name, "2").orElseThrow());
        assertEquals(List.of(), models.publishedVersions(name), "a claim alone is not a published version");
    }

    @Test
    void concurrentPublishersOfOneNameGetDistinctVersions(Infra infra) throws Exception {
        ModelRepository models = repository(infra);
        String name = "race-" + UUID.randomUUID().toString().substring(0, 8);
        int publishers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(publishers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<String>> claims = new ArrayList<>();
            for (int i = 0; i < publishers; i++) {
                String job = "job-" + i;
                Callable<String> claim = () -> {
                    start.await();
                    return models.claimVersion(name, job);
                };
                claims.add(pool.submit(claim));
            }
            start.countDown();
            Set<String> versions = new HashSet<>();
            for (Future<String> f : claims) {
                versions.add(f.get());
            }
            assertEquals(Set.of("1", "2", "3", "4", "5", "6"), versions);
        } finally {
            pool.shutdownNow();
        }
    }
}
