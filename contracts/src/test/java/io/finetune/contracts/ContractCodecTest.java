package io.finetune.contracts;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContractCodecTest {
    static final HyperParameters HP = new HyperParameters(10, 32, 1e-3, 180, Augmentation.STANDARD, "conv4",
            new UnfreezePhase(2, 1, 1e-4), 3, false);
    static final TrainingCommand FINETUNE = new TrainingCommand(TrainingCommand.SCHEMA_VERSION, "job-1",
            JobKind.FINETUNE, "flowers102-ft", new DatasetRef("flower102", "1"), new ModelRef("flowers5", "latest"),
            "seed-cnn", HP, 42L);

    @Test
    void everyMessageSurvivesAJsonRoundTrip() {
        Instant now = Instant.parse("2026-11-28T12:00:00Z");
        List<Object> messages = List.of(FINETUNE,
                new TrainingEvent(1, "job-1", TrainingEventType.EPOCH_COMPLETED, now, JobKind.FINETUNE, "m",
                        new EpochMetrics(1, 10, "head", 1.2, 0.5, 1.3, 0.45, 12.5, 80), null, null, null),
                new TrainingEvent(1, "job-1", TrainingEventType.COMPLETED, now, JobKind.BASE, "m", null,
                        new ModelRef("m", "3"), new EvaluationSummary(100, 0.9, 0.7, 0.95, 0.69), null),
                new DatasetEvent(1, "flower5", "1", DatasetEventType.READY, now, "abc",
                        Map.of("train", Map.of("daisy", 3)), 3, 0, null),
                new ModelPublished(1, "m", "3", now, "job-1", "seed-cnn", 5, 180, new ModelRef("base", "1"), "abc"),
                new ModelPointer(1, "m", "3", now),
                new TrainingCommand(1, "job-2", JobKind.FINETUNE, "m", new DatasetRef("d", "1"),
                        new ModelRef("base", "1"), "seed-cnn", HP, 1L, ServingMode.PINNED),
                new ServingState(1, "m", true, "3", "job:job-2", now),
                new ServingState(1, "m", false, ServingState.LATEST, ServingState.SOURCE_API, now),
                new JobState(1, "job-1", JobStatus.RUNNING, FINETUNE, 2, null, null, "host-1", now));
        for (Object m : messages) {
            Object back = ContractCodec.decode(ContractCodec.encode(m), m.getClass());
            assertEquals(m, back, m.getClass().getSimpleName());
        }
    }

    @Test
    void unknownSchemaVersionIsRejectedByName() {
        String json = ContractCodec.encodeToString(FINETUNE).replace("\"schemaVersion\":1", "\"schemaVersion\":9");
        var e = assertThrows(ContractViolationException.class, () -> ContractCodec.decode(json,
                TrainingCommand.class));
        assertEquals("schemaVersion", e.errors().get(0).field());
        assertTrue(e.getMessage().contains("unknown schema version: expected 1, found 9"), e.getMessage());
    }

    @Test
    void missingSchemaVersionIsRejected() {
        var e = assertThrows(ContractViolationException.class, () -> ContractCodec.decode("{\"jobId\":\"x\"}",
                TrainingCommand.class));
        assertEquals("schemaVersion", e.errors().get(0).field());
    }

    @Test
    void malformedJsonNamesTheSyntaxError() {
        var e = assertThrows(ContractViolationException.class, () -> ContractCodec.decode("{\"schemaVersion\":1,",
                TrainingCommand.class));
        assertTrue(e.getMessage().contains("expected valid JSON"), e.getMessage());
    }

    @Test
    void emptyAndNonObjectMessagesAreRejected() {
        assertThrows(ContractViolationException.class, () -> ContractCodec.decode(new byte[0], TrainingCommand.class));
        var e = assertThrows(ContractViolationException.class, () -> ContractCodec.decode("[1,2]",
                TrainingCommand.class));
        assertTrue(e.getMessage().contains("found array"), e.getMessage());
    }

    @Test
    void wrongTypeNamesTheNestedField() {
        String json = ContractCodec.encodeToString(FINETUNE).replace("\"epochs\":10", "\"epochs\":\"ten\"");
        var e = assertThrows(ContractViolationException.class, () -> ContractCodec.decode(json,
                TrainingCommand.class));
        assertEquals("hyperParameters.epochs", e.errors().get(0).field(), e.getMessage());
    }

    @Test
    void unknownEnumValueNamesTheField() {
        String json = ContractCodec.encodeToString(FINETUNE).replace("\"FINETUNE\"", "\"DISTILL\"");
        var e = assertThrows(ContractViolationException.class, () -> ContractCodec.decode(json,
                TrainingCommand.class));
        assertEquals("kind", e.errors().get(0).field(), e.getMessage());
    }

    @Test
    void missingPrimitiveFieldIsNamed() {
        String json = ContractCodec.encodeToString(FINETUNE).replace("\"batchSize\":32,", "");
        var e = assertThrows(ContractViolationException.class, () -> ContractCodec.decode(json,
                TrainingCommand.class));
        assertEquals("hyperParameters.batchSize", e.errors().get(0).field(), e.getMessage());
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        String json = ContractCodec.encodeToString(FINETUNE).replace("{\"schemaVersion\":1,",
                "{\"schemaVersion\":1,\"addedLater\":true,");
        assertEquals(FINETUNE, ContractCodec.decode(json, TrainingCommand.class));
    }

    @Test
    void goldenV1MessagesKeepDecoding() throws IOException {
        for (String name : List.of("training-command-v1.json", "training-event-v1.json", "model-manifest-v1.json")) {
            try (InputStream in = getClass().getResourceAsStream("/golden/" + name)) {
                byte[] bytes = in.readAllBytes();
                Class<?> type = switch (name) {
                    case "training-command-v1.json" -> TrainingCommand.class;
                    case "training-event-v1.json" -> TrainingEvent.class;
                    default -> ModelManifest.class;
                };
                Object decoded = ContractCodec.decode(bytes, type);
                assertEquals(type, decoded.getClass(), name);
            }
        }
    }

    @Test
    void commandsWithoutServeStillParseAndServeIsValidatedByName() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/golden/training-command-v1.json")) {
            assertEquals(null, ContractCodec.decode(in.readAllBytes(), TrainingCommand.class).serve(),
                    "a command written before serve existed leaves the serving state alone");
        }
        String latest = ContractCodec.encodeToString(FINETUNE).replace("\"serve\":null", "\"serve\":\"LATEST\"");
        assertTrue(latest.contains("\"serve\":\"LATEST\""), latest);
        assertEquals(ServingMode.LATEST, ContractCodec.decode(latest, TrainingCommand.class).serve());
        var unknown = assertThrows(ContractViolationException.class, () -> ContractCodec.decode(
                latest.replace("\"LATEST\"", "\"ALWAYS\""), TrainingCommand.class));
        assertEquals("serve", unknown.errors().get(0).field(), unknown.getMessage());
        TrainingCommand cancel = new TrainingCommand(1, "job-1", JobKind.CANCEL, null, null, null, null, null, null,
                ServingMode.LATEST);
        var e = assertThrows(ContractViolationException.class, () -> ContractCodec.decode(
                ContractCodec.encode(cancel), TrainingCommand.class));
        assertEquals("serve", e.errors().get(0).field(), e.getMessage());
        assertTrue(e.getMessage().contains("expected none for CANCEL"), e.getMessage());
    }

    @Test
    void servingStatesNameTheirBrokenFields() {
        String json = ContractCodec.encodeToString(new ServingState(1, "m", true, "latest", "api",
                Instant.parse("2026-12-02T12:00:00Z")));
        var version = assertThrows(ContractViolationException.class, () -> ContractCodec.decode(
                json.replace("\"latest\"", "\"v7\""), ServingState.class));
        assertEquals("version", version.errors().get(0).field(), version.getMessage());
        assertTrue(version.getMessage().contains("expected 'latest' or a positive integer version, found 'v7'"),
                version.getMessage());
        var name = assertThrows(ContractViolationException.class, () -> ContractCodec.decode(
                json.replace("\"m\"", "\"Not A Name\""), ServingState.class));
        assertEquals("modelName", name.errors().get(0).field(), name.getMessage());
        assertEquals("serving/models/m.json", ObjectLayout.servingState("m"));
        assertEquals("m", ObjectLayout.servingStateModel("serving/models/m.json"));
        assertEquals(null, ObjectLayout.servingStateModel("serving/replicas/a.json"));
    }

    @Test
    void manifestLinesWrittenBeforeShardsStillReadAsTheirOwnObjects() throws IOException {
        DatasetImage line = ContractCodec.read(golden("dataset-image-before-shards.json"), DatasetImage.class);
        assertEquals("daisy", line.className());
        assertTrue(line.key().endsWith(line.sha256() + ".jpg"), line.key());
        assertEquals(null, line.shard(), "no shard: the image is its own object at key");
        assertEquals(null, line.offset());
        assertEquals(null, line.length());
    }

    @Test
    void shardedManifestLinesLocateTheirBytesAndSurviveARoundTrip() throws IOException {
        DatasetImage line = ContractCodec.read(golden("dataset-image-sharded.json"), DatasetImage.class);
        assertEquals("datasets/flower5/2/shards/000003.bin", line.shard());
        assertEquals(1048576L, line.offset());
        assertEquals(5123L, line.length());
        assertEquals(line, ContractCodec.read(ContractCodec.encode(line), DatasetImage.class));
    }

    private byte[] golden(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/golden/" + name)) {
            return in.readAllBytes();
        }
    }
}
