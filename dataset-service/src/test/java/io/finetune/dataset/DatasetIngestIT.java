package io.finetune.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.contracts.DatasetEvent;
import io.finetune.contracts.DatasetEventType;
import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.RejectReason;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dataset service in-process against the real MinIO and Kafka: ingest, validation, storage, events. */
@ExtendWith(InfraExtension.class)
class DatasetIngestIT {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static EmbeddedServer server;
    private static DatasetApi api;
    private static StoredObjects stored;
    private static DatasetEventsProbe events;
    private static Path importRoot;

    @BeforeAll
    static void start(Infra infra) throws Exception {
        importRoot = RepositoryLayout.scratch("dataset-import");
        Map<String, Object> props = new HashMap<>(infra.serviceProperties(StorageUser.DATASET_SERVICE));
        List<String> roots = new ArrayList<>(List.of(importRoot.toString()));
        RepositoryLayout.datasets().ifPresent(d -> roots.add(d.toString()));
        props.put("micronaut.server.port", -1);
        props.put("finetune.dataset.import-roots", roots);
        props.put("finetune.dataset.max-image-bytes", BadInputSet.MAX_IMAGE_BYTES);
        props.put("finetune.dataset.max-image-pixels", BadInputSet.MAX_PIXELS);
        props.put("finetune.dataset.max-upload-bytes", 3_000_000);
        props.put("finetune.dataset.work-dir", RepositoryLayout.scratch("dataset-work").toString());
        // Small shards, so that every import spans several of them (flower5 at 128 px: ~300).
        props.put("finetune.dataset.shard-bytes", 64 * 1024);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        api = new DatasetApi("http://127.0.0.1:" + server.getPort());
        stored = new StoredObjects(infra.minioClient());
        events = new DatasetEventsProbe(infra.kafkaBootstrap());
    }

    @AfterAll
    static void stop() {
        if (events != null) {
            events.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static String uniqueName(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }

    private static Map<String, RejectReason> rejections(JsonNode view) {
        Map<String, RejectReason> out = new TreeMap<>();
        view.get("rejected").forEach(r -> out.put(r.get("file").asText(), RejectReason.valueOf(r.get("reason")
                .asText())));
        return out;
    }

    /**
     * Every manifest line's bytes are in a shard of the version with that content (sha256); the shards hold exactly
     * the manifest's images, each content once, with no stray bytes; nothing else (no marker, no strays) is stored.
     */
    private static void assertStoredExactly(String name, String version, List<DatasetImage> manifest) {
        Set<String> keys = new HashSet<>();
        Map<String, TreeMap<Long, Long>> slicesByShard = new TreeMap<>();
        for (DatasetImage i : manifest) {
            assertTrue(keys.add(i.key()), "each image listed once: " + i.key());
            assertTrue(i.key().startsWith(ObjectLayout.datasetVersionPrefix(name, version) + i.split().key() + "/"
                    + i.className() + "/" + i.sha256() + "."), i.key());
            assertNotNull(i.shard(), "every image is in a shard: " + i);
            assertTrue(i.shard().startsWith(ObjectLayout.datasetVersionPrefix(name, version) + "shards/"), i.shard());
            Long before = slicesByShard.computeIfAbsent(i.shard(), k -> new TreeMap<>()).put(i.offset(), i.length());
            assertNull(before, "each content stored once: " + i);
        }
        for (var e : slicesByShard.entrySet()) {
            byte[] shard = stored.bytes(e.getKey());
            long end = 0;
            for (var slice : e.getValue().entrySet()) {
                assertEquals(end, slice.getKey(), "slices of " + e.getKey() + " follow each other without gaps");
                end = slice.getKey() + slice.getValue();
            }
            assertEquals(shard.length, end, "no stray bytes at the end of " + e.getKey());
        }
        for (DatasetImage i : manifest) {
            assertEquals(i.sha256(), Hashes.sha256(stored.image(i)), "stored bytes match the manifest hash: " + i);
        }
        Set<String> expected = new HashSet<>(slicesByShard.keySet());
        expected.add(ObjectLayout.datasetManifest(name, version));
        expected.add(ObjectLayout.datasetSummary(name, version));
        assertEquals(expected, new HashSet<>(stored.keys(ObjectLayout.datasetVersionPrefix(name, version))));
    }

    @Test
    void importOfTheBadInputSetReportsEveryBadFileWithItsReasonAndStoresEveryGoodOneOnce() throws Exception {
        Path dir = importRoot.resolve("bad-set");
        Map<String, RejectReason> expectedBad = BadInputSet.write(dir);
        String name = uniqueName("bad");
        JsonNode view = api.awaitFinished(api.importDir(name, "{\"path\":\"bad-set\",\"seed\":3}"),
                Duration.ofMinutes(2));
        assertEquals("READY", view.get("state").asText(), view.toString());
        assertEquals(expectedBad, rejections(view));
        view.get("rejected").forEach(r -> assertTrue(r.get("detail").asText().length() > 10, r.toString()));
        assertEquals(1, view.get("duplicates").asInt());

        List<DatasetImage> manifest = stored.manifest(name, "1");
        assertEquals(BadInputSet.GOOD_IMAGES, manifest.size());
        Map<String, Integer> perClass = new TreeMap<>();
        manifest.forEach(i -> perClass.merge(i.className(), 1, Integer::sum));
        assertEquals(new TreeMap<>(BadInputSet.GOOD_PER_CLASS), perClass);
        assertStoredExactly(name, "1", manifest);
        DatasetImage rotated = manifest.stream().filter(i -> i.sourceFile().equals("cats/rotated.jpg")).findFirst()
                .orElseThrow();
        assertEquals(30, rotated.width(), "EXIF-rotated image recorded upright");
        assertEquals(60, rotated.height());

        DatasetEvent ready = events.await(name, e -> e.type() == DatasetEventType.READY, Duration.ofSeconds(30));
        assertEquals("1", ready.version());
        assertEquals(view.get("fingerprint").asText(), ready.fingerprint());
        assertEquals(BadInputSet.GOOD_IMAGES, ready.images());

        String metrics = api.text("/prometheus");
        assertTrue(metrics.contains("finetune_dataset_images_rejected_total{reason=\"corrupt_image\"}"), metrics);
        assertTrue(metrics.contains("finetune_dataset_images_ingested_total{dataset=\"" + name + "\"} 16.0"));
        assertTrue(metrics.contains("finetune_dataset_stored_bytes_total"));
        assertTrue(metrics.contains("finetune_dataset_ingest_seconds_bucket"));
        assertTrue(metrics.contains("finetune_dataset_ingests_in_flight"));

        // The same content again is that version, not a new one.
        JsonNode again = api.awaitFinished(api.importDir(name, "{\"path\":\"bad-set\",\"seed\":3}"),
                Duration.ofMinutes(2));
        assertEquals("1", again.get("identicalTo").asText(), again.toString());
        assertEquals(view.get("fingerprint").asText(), again.get("fingerprint").asText());
        assertTrue(stored.keys(ObjectLayout.datasetVersionPrefix(name, "2")).isEmpty());
        JsonNode versions = api.get("/datasets/" + name).body();
        assertEquals("1", versions.get("latest").asText(), versions.toString());

        // The same content uploaded as a zip into another dataset has the same fingerprint.
        Path zip = Files.createTempFile(importRoot, "bad", ".zip");
        Archives.zip(zip, Archives.tree(dir));
        String other = uniqueName("bad-zip");
        JsonNode uploaded = api.awaitFinished(api.upload(other, zip, "seed=3"), Duration.ofMinutes(2));
        assertEquals(view.get("fingerprint").asText(), uploaded.get("fingerprint").asText(), uploaded.toString());
        assertEquals(expectedBad, rejections(uploaded));
    }

    @Test
    void tarGzUploadWithAugmentationStoresSeededCopiesWithLineage() throws Exception {
        Path dir = importRoot.resolve("aug-set/animals");
        for (int i = 0; i < 5; i++) {
            TestImages.write(dir.resolve("ants/" + i + ".jpg"), TestImages.jpeg(80, 60, 500 + i));
            TestImages.write(dir.resolve("bees/" + i + ".png"), TestImages.png(60, 80, 600 + i));
        }
        Path tgz = importRoot.resolve("aug.tar.gz");
        Archives.tar(tgz, Archives.tree(dir), true);
        String name = uniqueName("aug");
        JsonNode view = api.awaitFinished(api.upload(name, tgz,
                "augmentCopies=2&storage=resized&maxSide=32&train=0.6&validation=0.2&test=0.2&seed=5"),
                Duration.ofMinutes(2));
        assertEquals("READY", view.get("state").asText(), view.toString());
        List<DatasetImage> manifest = stored.manifest(name, "1");
        List<DatasetImage> originals = manifest.stream().filter(i -> i.augmentedFrom() == null).toList();
        List<DatasetImage> copies = manifest.stream().filter(i -> i.augmentedFrom() != null).toList();
        assertEquals(10, originals.size());
        long train = originals.stream().filter(i -> i.split().key().equals("train")).count();
        assertEquals(6, train, "3 of 5 per class in train");
        assertEquals(2 * train, copies.size());
        Set<String> trainShas = new HashSet<>();
        originals.stream().filter(i -> i.split().key().equals("train")).forEach(i -> trainShas.add(i.sha256()));
        for (DatasetImage c : copies) {
            assertTrue(trainShas.contains(c.augmentedFrom()), "lineage names a stored training image");
            assertNotNull(c.augmentation());
            assertEquals("train", c.split().key());
        }
        originals.forEach(i -> assertTrue(Math.max(i.width(), i.height()) <= 32, i.toString()));
        assertEquals(3 * train, view.get("counts").get("train").get("ants").asInt()
                + view.get("counts").get("train").get("bees").asInt());
        assertStoredExactly(name, "1", manifest);
    }

    @Test
    void hostileArchivesAreRefusedWholeAndNothingIsStored() throws Exception {
        byte[] img = TestImages.jpeg(16, 16, 1);
        Map<String, List<Archives.Entry>> cases = Map.of(
                "slip", List.of(Archives.Entry.file("a/x.jpg", img), Archives.Entry.file("a/../../y.jpg", img)),
                "absolute", List.of(Archives.Entry.file("/etc/y.jpg", img)),
                "link", List.of(Archives.Entry.file("a/x.jpg", img), Archives.Entry.link("a/y.jpg", "/etc/passwd")),
                "bomb", List.of(Archives.Entry.file("a/zeros.jpg", new byte[8 << 20])));
        for (var c : cases.entrySet()) {
            Path zip = importRoot.resolve(c.getKey() + ".zip");
            Archives.zip(zip, c.getValue());
            String name = uniqueName("hostile-" + c.getKey());
            DatasetApi.Reply reply = api.upload(name, zip, "");
            assertEquals(400, reply.status(), c.getKey() + ": " + reply.body());
            assertTrue(reply.body().get("message").asText().startsWith("archive refused, nothing stored: "),
                    reply.body().toString());
            assertTrue(stored.keys(ObjectLayout.datasetPrefix(name)).isEmpty(), c.getKey());
        }
    }

    @Test
    void uploadsOverTheLimitGet413WithAnApiError() throws Exception {
        Path big = importRoot.resolve("big.bin");
        Files.write(big, new byte[3_500_000]);
        DatasetApi.Reply reply = api.upload(uniqueName("big"), big, "");
        assertEquals(413, reply.status(), String.valueOf(reply.body()));
        assertEquals(413, reply.body().get("status").asInt());
        assertTrue(reply.body().get("message").asText().contains("expected an archive of at most 3000000 bytes"));
    }

    @Test
    void importsOutsideTheRootsAreForbidden() throws Exception {
        Path outside = Files.createTempDirectory(importRoot.getParent(), "outside");
        TestImages.write(outside.resolve("a/x.jpg"), TestImages.jpeg(16, 16, 1));
        DatasetApi.Reply out = api.importDir("forbidden", "{\"path\":\"" + outside + "\"}");
        assertEquals(403, out.status(), out.body().toString());
        assertTrue(out.body().get("message").asText().contains("outside the import roots"));
        DatasetApi.Reply dots = api.importDir("forbidden", "{\"path\":\"bad-set/../../x\"}");
        assertEquals(403, dots.status());
        assertTrue(dots.body().get("message").asText().contains("'..'"));
        Files.createSymbolicLink(importRoot.resolve("escape"), outside);
        DatasetApi.Reply link = api.importDir("forbidden", "{\"path\":\"escape\"}");
        assertEquals(403, link.status());
        assertTrue(link.body().get("message").asText().contains("symbolic link"));
        assertEquals(404, api.get("/datasets/forbidden").status());
    }

    @Test
    void badOptionsAndNamesAre400() {
        DatasetApi.Reply options = api.importDir("opts", "{\"path\":\"x\",\"train\":0.5,\"storage\":\"tiny\"}");
        assertEquals(400, options.status());
        assertTrue(options.body().get("message").asText().contains("expected storage originals or resized"));
        assertEquals(400, api.importDir("Bad_Name!", "{\"path\":\"x\"}").status());
    }

    @Test
    void anIngestWithTooFewClassesFailsCleanlyAndSaysWhy() throws Exception {
        Path dir = importRoot.resolve("one-class");
        for (int i = 0; i < 3; i++) {
            TestImages.write(dir.resolve("only/" + i + ".jpg"), TestImages.jpeg(20, 20, 900 + i));
        }
        TestImages.write(dir.resolve("broken/x.jpg"), TestImages.notAnImage());
        String name = uniqueName("one");
        JsonNode view = api.awaitFinished(api.importDir(name, "{\"path\":\"one-class\"}"), Duration.ofMinutes(1));
        assertEquals("FAILED", view.get("state").asText());
        assertTrue(view.get("error").asText().startsWith("expected at least 2 classes"), view.toString());
        DatasetEvent failed = events.await(name, e -> e.type() == DatasetEventType.FAILED, Duration.ofSeconds(30));
        assertNotNull(failed.reason());
        await().atMost(Duration.ofSeconds(10)).until(() -> stored.keys(ObjectLayout.datasetPrefix(name)).isEmpty());
        assertEquals(404, api.get("/datasets/" + name + "/latest").status());
    }

    @Test
    void flower5IsImportedWholeWithEveryImageStoredOnce() {
        Path flower5 = RepositoryLayout.datasets().map(d -> d.resolve("flower5")).filter(Files::isDirectory)
                .orElse(null);
        io.finetune.testkit.RequiredInputs.require(flower5 != null,
                "../shared/datasets/flower5 is absent (set FINETUNE_DATASETS to the datasets folder)");
        String name = uniqueName("flower5");
        JsonNode view = api.awaitFinished(api.importDir(name, "{\"path\":\"" + flower5
                + "\",\"storage\":\"resized\",\"maxSide\":128}"), Duration.ofMinutes(5));
        assertEquals("READY", view.get("state").asText(), view.toString());
        List<DatasetImage> manifest = stored.manifest(name, "1");
        int duplicates = view.get("duplicates").asInt();
        assertEquals(3670, manifest.size() + view.get("rejected").size(), "every file stored or reported");
        view.get("rejected").forEach(r -> assertEquals("DUPLICATE", r.get("reason").asText(), r.toString()));
        assertEquals(3, duplicates, "flower5 holds 3 byte-identical pairs");
        assertEquals(List.of("daisy", "dandelion", "roses", "sunflowers", "tulips"),
                DatasetApi.JSON.convertValue(view.get("classes"), List.class));
        assertStoredExactly(name, "1", manifest);
        DatasetEvent ready = events.await(name, e -> e.type() == DatasetEventType.READY, Duration.ofSeconds(30));
        assertEquals(3667, ready.images());
        assertNull(ready.reason());
    }

    @Test
    void flower102KeepsItsGivenSplitsAndCarvesATestSplitFromValidation() {
        Path flower102 = RepositoryLayout.datasets().map(d -> d.resolve("flower102")).filter(Files::isDirectory)
                .orElse(null);
        io.finetune.testkit.RequiredInputs.require(flower102 != null,
                "../shared/datasets/flower102 is absent (set FINETUNE_DATASETS to the datasets folder)");
        String name = uniqueName("flower102");
        JsonNode view = api.awaitFinished(api.importDir(name, "{\"path\":\"flower102\",\"storage\":\"resized\","
                + "\"maxSide\":96,\"testFraction\":0.5}"), Duration.ofMinutes(5));
        assertEquals("READY", view.get("state").asText(), view.toString());
        assertEquals(102, view.get("classes").size());
        JsonNode counts = view.get("counts");
        int train = total(counts.get("train"));
        int validation = total(counts.get("validation"));
        int test = total(counts.get("test"));
        assertEquals(1020, train, "the given train split is kept");
        assertEquals(510, validation, "half of each class's 10 validation images stay");
        assertEquals(510, test, "and half become test");
        assertEquals(5, counts.get("test").get("pink_primrose").asInt());
    }

    private static int total(JsonNode perClass) {
        int sum = 0;
        for (var it = perClass.elements(); it.hasNext(); ) {
            sum += it.next().asInt();
        }
        return sum;
    }

    @Test
    void aVisibleVersionWhoseReadyEventWasNotConfirmedIsAnnouncedAgainBySweep(Infra infra) throws Exception {
        Path dir = importRoot.resolve("announce");
        for (int i = 0; i < 2; i++) {
            TestImages.write(dir.resolve("a/" + i + ".jpg"), TestImages.jpeg(20, 20, 700 + i));
            TestImages.write(dir.resolve("b/" + i + ".jpg"), TestImages.jpeg(20, 20, 800 + i));
        }
        String name = uniqueName("announce");
        JsonNode view = api.awaitFinished(api.importDir(name, "{\"path\":\"announce\"}"), Duration.ofMinutes(1));
        assertEquals("READY", view.get("state").asText(), view.toString());
        events.await(name, e -> e.type() == DatasetEventType.READY, Duration.ofSeconds(30));
        // As if the process had died after writing the manifest but before Kafka acknowledged the event.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String marker = ObjectLayout.datasetIngestMarker(name, "1");
        byte[] json = io.finetune.contracts.ContractCodec.encode(new IngestMarker("dead-owner",
                java.net.InetAddress.getLocalHost().getHostName(), gone.pid(), java.time.Instant.EPOCH,
                java.time.Instant.now(), java.time.Instant.now(), "test", 4, 4));
        infra.minioClient().putObject(io.minio.PutObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .object(marker).stream(new java.io.ByteArrayInputStream(json), json.length, -1).build());

        server.getApplicationContext().getBean(VersionReservations.class).sweep();

        assertTrue(stored.keys(marker).isEmpty(), "the marker goes once the event is confirmed");
        await().atMost(Duration.ofSeconds(30)).until(() -> events.count(name, DatasetEventType.READY) >= 2);
        assertEquals(4, stored.manifest(name, "1").size(), "the version itself is untouched");
    }
}
