package io.finetune.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.contracts.DatasetImage;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two dataset-service processes on one MinIO (two replicas, or both sides of a rolling update) ingest into the same
 * dataset at the same moment, round after round: every ingest gets its own version, and each version holds exactly
 * the images of its own source, none lost and none from another ingest.
 */
@ExtendWith(InfraExtension.class)
class VersionsAcrossProcessesIT {
    private static final int ROUNDS = 8;
    private static final int PER_PROCESS = 2;
    private static final int IMAGES_PER_CLASS = 2;

    /** One ingest: where it came from and the version it was given. */
    private record Ingest(String source, String version, DatasetApi api, DatasetApi.Reply accepted) {
    }

    @Test
    void concurrentIngestsOnTwoProcessesGetDistinctVersionsEachWithItsOwnImages(Infra infra) throws Exception {
        Path root = RepositoryLayout.scratch("versions-across-processes");
        List<String> sources = new ArrayList<>();
        for (int s = 0; s < ROUNDS * 2 * PER_PROCESS; s++) {
            String source = "src" + s;
            for (String cls : List.of("a" + s, "b" + s)) {
                for (int i = 0; i < IMAGES_PER_CLASS + s % 3; i++) {
                    TestImages.write(root.resolve(source + "/" + cls + "/" + i + ".jpg"), TestImages.jpeg(24, 24,
                            s * 100L + cls.hashCode() + i));
                }
            }
            sources.add(source);
        }
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.DATASET_SERVICE));
        env.put("FINETUNE_DATASET_IMPORT_ROOTS", root.toString());
        env.put("FINETUNE_DATASET_WORK_DIR", root.resolve("work").toString());
        env.put("FINETUNE_DATASET_CONCURRENT_INGESTS", "4");
        Path logs = RepositoryLayout.scratch("versions-across-processes-logs");
        String name = "replicas-" + ProcessHandle.current().pid();
        int port1 = FreePorts.next();
        int port2 = FreePorts.next();
        ExecutorService callers = Executors.newFixedThreadPool(2 * PER_PROCESS);
        try (ServerProcess one = ServiceProcesses.start("dataset-replica-1", DatasetServiceApplication.class
                .getName(), port1, env, logs);
             ServerProcess two = ServiceProcesses.start("dataset-replica-2", DatasetServiceApplication.class
                     .getName(), port2, env, logs)) {
            List<DatasetApi> apis = List.of(new DatasetApi("http://127.0.0.1:" + port1),
                    new DatasetApi("http://127.0.0.1:" + port2));
            List<Ingest> ingests = new ArrayList<>();
            int next = 0;
            for (int round = 0; round < ROUNDS; round++) {
                CyclicBarrier start = new CyclicBarrier(2 * PER_PROCESS);
                List<CompletableFuture<Ingest>> calls = new ArrayList<>();
                for (int c = 0; c < 2 * PER_PROCESS; c++) {
                    String source = sources.get(next++);
                    DatasetApi api = apis.get(c % 2);
                    calls.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            start.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        DatasetApi.Reply r = api.importDir(name, "{\"path\":\"" + source + "\"}");
                        assertEquals(202, r.status(), source + ": " + r.body());
                        return new Ingest(source, r.body().get("version").asText(), api, r);
                    }, callers));
                }
                for (CompletableFuture<Ingest> call : calls) {
                    ingests.add(call.get());
                }
            }
            Set<String> versions = new HashSet<>();
            for (Ingest ingest : ingests) {
                assertTrue(versions.add(ingest.version()), "version " + ingest.version() + " given twice: "
                        + ingests);
            }
            StoredObjects stored = new StoredObjects(infra.minioClient());
            for (Ingest ingest : ingests) {
                JsonNode view = ingest.api().awaitFinished(ingest.accepted(), Duration.ofMinutes(3));
                assertEquals("READY", view.get("state").asText(), ingest + ": " + view);
                int s = Integer.parseInt(ingest.source().substring(3));
                List<DatasetImage> manifest = stored.manifest(name, ingest.version());
                assertEquals(2 * (IMAGES_PER_CLASS + s % 3), manifest.size(), ingest + ": " + manifest);
                for (DatasetImage image : manifest) {
                    assertTrue(image.className().equals("a" + s) || image.className().equals("b" + s),
                            "version " + ingest.version() + " from " + ingest.source() + " holds " + image);
                    assertTrue(stored.image(image).length > 0, "lost: " + image);
                }
            }
            JsonNode listed = apis.get(0).get("/datasets/" + name).body();
            assertEquals(ingests.size(), listed.get("versions").size(), listed.toString());
        } finally {
            callers.shutdownNow();
        }
    }
}
