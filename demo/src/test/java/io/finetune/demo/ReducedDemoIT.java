package io.finetune.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.contracts.ContractCodec;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.RequiredInputs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo at CI scale against the real system: {@code ./finetune up} (real Kafka, MinIO, Prometheus and the four
 * services as processes, on free ports, state under target/), then the demo twice. Proves: three jobs completed,
 * models published and served after hot reloads, predictions through the gateway, the report files, fine-tune ahead
 * of scratch at equal epochs, Prometheus holds the training and inference series, and a second run reuses the
 * datasets and versions the models instead of corrupting anything.
 */
class ReducedDemoIT {
    private static final Path ROOT = LocalLauncher.ROOT;
    private static final Path LOCAL = ROOT.resolve("demo/target/demo-it/local").toAbsolutePath();
    private static LocalLauncher launcher;

    /** The backbone the launcher publishes from ../shared/weights (or $FINETUNE_WEIGHTS_DIR), if its file is there. */
    private static final boolean BACKBONE = Files.isRegularFile(Path.of(System.getenv().getOrDefault(
            "FINETUNE_WEIGHTS_DIR", ROOT.resolve("../shared/weights").toString()))
            .resolve("efficientnet-lite0/model.safetensors"));

    @BeforeAll
    static void up() throws Exception {
        String absent = "../shared/datasets (or $FINETUNE_DATASETS) is absent, and the demo needs the flower images";
        if (RequiredInputs.ci()) {
            assertTrue(BACKBONE, "../shared/weights/efficientnet-lite0 is absent; CI=true requires it");
        }
        RequiredInputs.require(RepositoryLayout.datasets().isPresent(), absent);
        DemoData.deleteRecursively(LOCAL.resolve("run"));
        launcher = new LocalLauncher(LOCAL);
        launcher.run("up");
    }

    @AfterAll
    static void down() throws Exception {
        LocalLauncher.downIfStarted(launcher);
    }

    @Test
    void reducedDemoRunsTheWholePipelineTwiceWithoutDuplicatingAnything() throws Exception {
        JsonNode first = demo("report-1");
        assertCompleteRun(first);
        JsonNode second = demo("report-2");
        assertCompleteRun(second);

        for (String dataset : List.of("flower5-quick", "flower102-quick")) {
            assertEquals(first.at("/datasets/" + dataset + "/version").asText(),
                    second.at("/datasets/" + dataset + "/version").asText(), "identical content reuses " + dataset);
        }
        for (String job : BACKBONE ? List.of("base", "fineTune", "scratch", "backbone")
                : List.of("base", "fineTune", "scratch")) {
            int v1 = first.at("/" + job + "/modelVersion").asInt();
            int v2 = second.at("/" + job + "/modelVersion").asInt();
            assertTrue(v2 > v1, job + ": a second run publishes a new version, found v" + v1 + " then v" + v2);
        }
        JsonNode switched = second.at("/modelSwitches/1");
        assertNotEquals(switched.path("fromVersion").asText(), switched.path("toVersion").asText(),
                "the inference service switched the fine-tuned model's version: " + switched);
    }

    private static void assertCompleteRun(JsonNode r) {
        List<String> jobs = BACKBONE ? List.of("base", "fineTune", "scratch", "backbone")
                : List.of("base", "fineTune", "scratch");
        for (String job : jobs) {
            assertEquals("COMPLETED", r.at("/" + job + "/status").asText(), job + ": " + r.path("backboneSkipped"));
            assertTrue(r.at("/" + job + "/modelVersion").asInt() >= 1, job + " published a model");
        }
        if (BACKBONE) {
            List<String> phases = new java.util.ArrayList<>();
            r.at("/backbone/epochs").forEach(e -> phases.add(e.path("phase").asText()));
            assertEquals(List.of("head", "head", "unfreeze"), phases, "the backbone's two phases");
        }
        assertEquals(jobs.size(), r.path("modelSwitches").size(),
                "the inference service served each published model");
        assertEquals(jobs.size(), r.path("heldOut").size(), "held-out predictions for every model");
        for (JsonNode e : r.path("heldOut")) {
            int total = 0;
            for (JsonNode row : e.path("confusion")) {
                for (JsonNode v : row) {
                    total += v.asInt();
                }
            }
            assertTrue(total > 0, "held-out predictions through the gateway for " + e.path("model").asText());
        }
        assertTrue(r.at("/comparison/fineTuneAheadAtEqualEpochs").asBoolean(),
                "fine-tune ahead of scratch at equal epochs: " + r.path("comparison"));
        r.path("prometheusSeries").fields().forEachRemaining(f -> assertTrue(f.getValue().asBoolean(),
                "Prometheus holds " + f.getKey()));
        assertTrue(r.path("prometheusSeries").size() >= 2);
    }

    private static JsonNode demo(String report) throws IOException {
        Path dir = LOCAL.resolve(report);
        Properties credentials = new Properties();
        try (var in = Files.newInputStream(LOCAL.resolve("credentials.env"))) {
            credentials.load(in);
        }
        Path datasets = RepositoryLayout.datasets().orElseThrow();
        int code = DemoCli.run("--quick", "--flower5", datasets.resolve("flower5").toString(),
                "--flower102", datasets.resolve("flower102").toString(),
                "--gateway", "http://127.0.0.1:" + launcher.port("GATEWAY"),
                "--prometheus", "http://127.0.0.1:" + launcher.port("PROMETHEUS"),
                "--api-key", credentials.getProperty("FINETUNE_GATEWAY_API_KEYS").split(",")[0],
                "--cache", LOCAL.resolve("cache").toString(), "--report", dir.toString(), "--timeout-minutes", "15");
        assertEquals(0, code, "demo exit code");
        for (String file : List.of("results.json", "performance.png", "report.html")) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file);
        }
        return ContractCodec.mapper().readTree(dir.resolve("results.json").toFile());
    }
}
