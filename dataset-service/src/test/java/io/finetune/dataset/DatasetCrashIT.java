package io.finetune.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.ObjectLayout;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The service as its own process: SIGKILLed in the middle of an import and restarted; uploads bigger than its heap. */
@ExtendWith(InfraExtension.class)
class DatasetCrashIT {
    private static final int IMAGES_PER_CLASS = 150;

    @Test
    void aKilledImportLeavesNoVisibleVersionAndIsCleanedUpAndANewImportSucceeds(Infra infra) throws Exception {
        Path root = RepositoryLayout.scratch("dataset-crash");
        for (String cls : List.of("red", "green", "blue")) {
            for (int i = 0; i < IMAGES_PER_CLASS; i++) {
                TestImages.write(root.resolve("big/" + cls + "/" + i + ".jpg"), TestImages.jpeg(640, 480,
                        cls.hashCode() * 1000L + i));
            }
            for (int i = 0; i < 3; i++) {
                TestImages.write(root.resolve("small/" + cls + "/" + i + ".jpg"), TestImages.jpeg(32, 32,
                        cls.hashCode() * 7L + i));
            }
        }
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.DATASET_SERVICE));
        env.put("FINETUNE_DATASET_IMPORT_ROOTS", root.toString());
        env.put("FINETUNE_DATASET_WORK_DIR", root.resolve("work").toString());
        env.put("FINETUNE_DATASET_DECODE_THREADS", "1");
        // Small shards, so that the import killed while decoding has written many objects already.
        env.put("FINETUNE_DATASET_SHARD_BYTES", "65536");
        Path logs = RepositoryLayout.scratch("dataset-crash-logs");
        String name = "crash-" + ProcessHandle.current().pid();
        StoredObjects stored = new StoredObjects(infra.minioClient());
        String prefix = ObjectLayout.datasetPrefix(name);

        int port = FreePorts.next();
        try (ServerProcess first = ServiceProcesses.start("dataset-service-1", DatasetServiceApplication.class
                .getName(), port, env, logs)) {
            DatasetApi api = new DatasetApi("http://127.0.0.1:" + port);
            DatasetApi.Reply accepted = api.importDir(name, "{\"path\":\"big\",\"augmentCopies\":3}");
            assertEquals(202, accepted.status(), accepted.body().toString());
            String version = accepted.body().get("version").asText();
            String url = accepted.body().get("statusUrl").asText();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).until(() -> {
                JsonNode s = api.get(url).body();
                assertEquals("INGESTING", s.get("state").asText(), "the import must still run when killed: " + s);
                return s.get("progress").get("phase").asText().equals("decoding")
                        && s.get("progress").get("processed").asInt() >= 20
                        && stored.keys(ObjectLayout.datasetVersionPrefix(name, version)).size() > 10;
            });
            first.kill();
            List<String> left = stored.keys(ObjectLayout.datasetVersionPrefix(name, version));
            assertTrue(left.size() > 10, "the killed import had written objects: " + left.size());
            assertTrue(left.contains(ObjectLayout.datasetIngestMarker(name, version)));
            assertFalse(left.contains(ObjectLayout.datasetManifest(name, version)), "never visible");
        }

        int port2 = FreePorts.next();
        try (ServerProcess second = ServiceProcesses.start("dataset-service-2", DatasetServiceApplication.class
                .getName(), port2, env, logs)) {
            DatasetApi api = new DatasetApi("http://127.0.0.1:" + port2);
            await().atMost(Duration.ofSeconds(60)).until(() -> stored.keys(prefix).isEmpty());
            assertEquals(404, api.get("/datasets/" + name).status(), "no half dataset is visible");
            assertEquals(404, api.get("/datasets/" + name + "/latest").status());

            JsonNode view = api.awaitFinished(api.importDir(name, "{\"path\":\"small\"}"), Duration.ofMinutes(2));
            assertEquals("READY", view.get("state").asText(), view.toString());
            String version = view.get("version").asText();
            List<DatasetImage> manifest = stored.manifest(name, version);
            assertEquals(9, manifest.size());
            assertEquals(version, api.get("/datasets/" + name).body().get("latest").asText());
            assertTrue(second.isAlive());
        }
    }

    @Test
    void uploadsStreamToDiskSoAnArchiveLargerThanTheHeapIsIngested(Infra infra) throws Exception {
        Path root = RepositoryLayout.scratch("dataset-stream");
        Path tar = root.resolve("large.tar");
        long bigBytes = 300L << 20;
        try (var tout = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                java.nio.file.Files.newOutputStream(tar))) {
            for (String cls : List.of("ants", "bees")) {
                for (int i = 0; i < 3; i++) {
                    byte[] img = TestImages.jpeg(24, 24, cls.hashCode() + i);
                    var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(cls + "/" + i + ".jpg");
                    e.setSize(img.length);
                    tout.putArchiveEntry(e);
                    tout.write(img);
                    tout.closeArchiveEntry();
                }
            }
            var big = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("bees/huge.jpg");
            big.setSize(bigBytes);
            tout.putArchiveEntry(big);
            byte[] chunk = new byte[1 << 20];
            for (long written = 0; written < bigBytes; written += chunk.length) {
                tout.write(chunk);
            }
            tout.closeArchiveEntry();
        }
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.DATASET_SERVICE));
        env.put("FINETUNE_DATASET_WORK_DIR", root.resolve("work").toString());
        int port = FreePorts.next();
        try (ServerProcess service = ServiceProcesses.start("dataset-service-small-heap",
                DatasetServiceApplication.class.getName(), port, env, RepositoryLayout.scratch("dataset-stream-logs"),
                "-Xmx128m")) {
            DatasetApi api = new DatasetApi("http://127.0.0.1:" + port);
            String name = "stream-" + ProcessHandle.current().pid();
            JsonNode view = api.awaitFinished(api.upload(name, tar, ""), Duration.ofMinutes(3));
            assertEquals("READY", view.get("state").asText(), view.toString());
            assertEquals(6, view.get("images").asInt());
            assertEquals("TOO_LARGE", view.get("rejected").get(0).get("reason").asText());
            assertTrue(service.isAlive());
        }
    }
}
