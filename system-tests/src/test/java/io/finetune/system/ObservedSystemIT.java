package io.finetune.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.Augmentation;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.TrainingCommand;
import io.finetune.system.LocalSystem.Service;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole system observed by the real Prometheus: Kafka and MinIO, the four services as processes, Prometheus
 * scraping them with the project's configuration and alert rules. A small workload (an ingest with one bad file, a
 * short BASE training job sent as a Kafka command, predictions through the gateway, good and bad), then every
 * dashboard panel query and every alert expression is evaluated through Prometheus' HTTP API.
 */
@ExtendWith(InfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservedSystemIT {
    private static final String API_KEY = "system-test-key-" + UUID.randomUUID();
    /** Fresh names per run: with reused servers (FINETUNE_KAFKA_BOOTSTRAP) an identical earlier ingest would be
     * recognised as a duplicate and ingest nothing, leaving the ingest panels empty. */
    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    private static final String DATASET = "e2e-colours-" + RUN;
    private static final String MODEL = "e2e-colours-base-" + RUN;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WORKLOAD_TIMEOUT = Duration.ofMinutes(8);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private LocalSystem system;
    private PrometheusServer prometheus;
    private Instant prometheusStarted;

    @BeforeAll
    void startSystem(Infra infra) {
        Path logs = RepositoryLayout.scratch("system");
        system = LocalSystem.start(infra, API_KEY, logs);
        Map<String, String> targets = new LinkedHashMap<>();
        for (Service s : Service.values()) {
            targets.put(s.module, system.managementUrl(s).substring("http://".length()));
        }
        prometheus = PrometheusServer.start(targets, logs.resolve("prometheus"));
        prometheusStarted = Instant.now();
    }

    @AfterAll
    void stopSystem() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void prometheusScrapesEveryServiceAndLoadsEveryAlertRule() {
        await("every scrape target up").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode active = prometheus.api("targets", Map.of()).path("data").path("activeTargets");
                    Map<String, String> health = new LinkedHashMap<>();
                    active.forEach(t -> health.put(t.path("labels").path("job").asText(), t.path("health").asText()
                            + " " + t.path("lastError").asText()));
                    for (Service s : Service.values()) {
                        assertTrue(health.getOrDefault(s.module, "").startsWith("up"), "expected job " + s.module
                                + " up, found " + health);
                    }
                });
        JsonNode groups = prometheus.api("rules", Map.of()).path("data").path("groups");
        List<String> rules = new ArrayList<>();
        groups.forEach(g -> g.path("rules").forEach(r -> rules.add(r.path("name").asText())));
        assertEquals(ObservabilityQueries.alertQueries().size(), rules.size(), "alert rules loaded: " + rules);
    }

    /** The paths k8s/ probes and docker-compose.yml's health checks use answer 200 on each real service. */
    @Test
    @Order(2)
    void healthEndpointsThatDeploymentsProbeAnswer() throws Exception {
        for (Service s : Service.values()) {
            for (String path : List.of("/health", "/health/liveness", "/health/readiness")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(system.managementUrl(s) + path))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), s.module + path + ": " + r.body());
            }
        }
    }

    @Test
    @Order(3)
    void workloadThenEveryDashboardPanelReturnsDataAndEveryExpressionParses(Infra infra) throws Exception {
        ingestDataset(7);
        // As for predictions below: a second ingest once Prometheus holds the ingest series, so its rates are real.
        await("ingest series scraped").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> evaluate("finetune_dataset_ingest_seconds_count > 0", true) == null);
        ingestDataset(8);
        String jobId = "e2e-" + UUID.randomUUID();
        trainAndAwaitModel(infra, jobId, new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.BASE,
                MODEL, new DatasetRef(DATASET, "latest"), null, "res-cnn",
                new HyperParameters(2, 8, 0.01, 16, Augmentation.NONE, null, null, null, null), 42L));
        // a fine-tune from it: its head trains on cached frozen features (the feature-cache panels)
        String fineTuneId = "e2e-ft-" + UUID.randomUUID();
        trainAndAwaitModel(infra, fineTuneId, new TrainingCommand(TrainingCommand.SCHEMA_VERSION, fineTuneId,
                JobKind.FINETUNE, MODEL + "-ft", new DatasetRef(DATASET, "latest"), new ModelRef(MODEL, "latest"),
                "res-cnn", new HyperParameters(2, 8, 0.01, 16, Augmentation.NONE, null, null, null, null), 43L));
        predictThroughGateway();
        // Prometheus' rate() ignores what a counter held when first scraped, and the per-outcome timers appear with
        // their first request: once Prometheus has the series, a second round makes the rates real.
        await("prediction series scraped").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> prometheus.query("count(finetune_inference_request_seconds_count{outcome=\"ok\"}) "
                        + "and count(finetune_inference_request_seconds_count{outcome!=\"ok\"})")
                        .path("data").path("result").size() == 1);
        predictThroughGateway();

        Map<String, List<ObservabilityQueries.Query>> panels = new LinkedHashMap<>();
        ObservabilityQueries.dashboardQueries().forEach(q -> panels.computeIfAbsent(q.panel(), k -> new ArrayList<>())
                .add(q));
        AtomicReference<List<String>> missing = new AtomicReference<>(List.of());
        try {
            await("every dashboard panel returns data").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(2)).until(() -> {
                        missing.set(panelProblems(panels, windowSinceStart()));
                        return missing.get().isEmpty();
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail(missing.get().size() + " problems in " + panels.size() + " dashboard panels:\n"
                    + String.join("\n", missing.get()));
        }
        List<String> alertProblems = new ArrayList<>();
        for (ObservabilityQueries.Query q : ObservabilityQueries.alertQueries()) {
            String problem = evaluate(q.expr(), false);
            if (problem != null) {
                alertProblems.add(q.where() + ": " + problem);
            }
        }
        assertTrue(alertProblems.isEmpty(), String.join("\n", alertProblems));
        JsonNode groups = prometheus.api("rules", Map.of()).path("data").path("groups");
        groups.forEach(g -> g.path("rules").forEach(r -> assertEquals("ok", r.path("health").asText(),
                "alert " + r.path("name").asText() + " evaluates with an error: " + r.path("lastError").asText())));
    }

    /**
     * Every query must parse; every panel must show data: at least one of its queries returns a non-NaN sample (a
     * panel may pair a series that always exists with a failure counter that appears on the first failure).
     */
    private List<String> panelProblems(Map<String, List<ObservabilityQueries.Query>> panels, String window) {
        List<String> problems = new ArrayList<>();
        panels.forEach((panel, queries) -> {
            List<String> empty = new ArrayList<>();
            boolean anyData = false;
            for (ObservabilityQueries.Query q : queries) {
                String promql = q.resolved(window);
                String parse = evaluate(promql, false);
                if (parse != null) {
                    problems.add(q.where() + ": " + parse + "\n    " + promql);
                    continue;
                }
                String data = evaluate(promql, true);
                if (data == null) {
                    anyData = true;
                } else {
                    empty.add(q.where() + ": " + data + "\n    " + promql);
                }
            }
            if (!anyData) {
                problems.addAll(empty);
            }
        });
        return problems;
    }

    /** null when fine; else what is wrong (a parse error, or no non-NaN sample when data is required). */
    private String evaluate(String promql, boolean requireData) {
        JsonNode answer = prometheus.query(promql);
        if (!"success".equals(answer.path("status").asText())) {
            return answer.path("errorType").asText() + ": " + answer.path("error").asText();
        }
        if (!requireData) {
            return null;
        }
        JsonNode result = answer.path("data").path("result");
        for (JsonNode series : result) {
            String value = series.path("value").path(1).asText("NaN");
            if (!value.equals("NaN")) {
                return null;
            }
        }
        return result.isEmpty() ? "no series" : "only NaN values (" + result.size() + " series)";
    }

    /** A rate window that covers the whole workload, as $__rate_interval would on a dashboard zoomed to it. */
    private String windowSinceStart() {
        return (Duration.between(prometheusStarted, Instant.now()).toSeconds() + 30) + "s";
    }

    /**
     * ImageNet EfficientNet-Lite0, published as the launcher does, answers through the gateway (ImageNet top-5) with
     * exactly what the ml module computes in-process from the same package and file; so does a backbone fine-tuned
     * by the trainer from a Kafka command (head on cached views, then the top two layers).
     */
    @Test
    @Order(4)
    void backbonesAnswerThroughTheGatewayAsTheMlModuleDoes(Infra infra) throws Exception {
        Path shared = io.finetune.ml.SharedWeights.backbone("efficientnet-lite0").orElse(null);
        io.finetune.testkit.RequiredInputs.require(shared != null, io.finetune.ml.SharedWeights.absentMessage());
        String backbone = "imagenet-efficientnet-lite0";
        String printed = BackboneFixture.publish(infra, shared);
        assertTrue(printed.contains("Backbones: published " + backbone) || printed.contains(backbone
                + " version 1 is already published"), printed);
        Path datasets = io.finetune.ml.SharedDatasets.locate().orElseThrow(() -> new AssertionError(
                io.finetune.ml.SharedDatasets.absentMessage()));
        byte[] daisy = java.nio.file.Files.readAllBytes(datasets.resolve(
                "flower5/daisy/100080576_f52e8ee070_n.jpg"));
        JsonNode answer = predictWhenServed(backbone, daisy, 5);
        assertEquals("daisy", answer.at("/top/0/className").asText(), answer.toString());
        BackboneFixture.assertSameAsInProcess(infra, backbone, "1", daisy, answer);

        String jobId = "e2e-bb-" + UUID.randomUUID();
        String tuned = "e2e-colours-lite0-" + RUN;
        trainAndAwaitModel(infra, jobId, new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.FINETUNE,
                tuned, new DatasetRef(DATASET, "latest"), new ModelRef(backbone, "1"), "efficientnet-lite0",
                new HyperParameters(2, 8, 3e-3, 224, null, null, new io.finetune.contracts.UnfreezePhase(1, 2, 3e-4),
                        null, null, 2, null, null, null, null), 44L));
        byte[] red = Workload.png(0, 24, new Random(7));
        JsonNode tunedAnswer = predictWhenServed(tuned, red, 2);
        BackboneFixture.assertSameAsInProcess(infra, tuned, "1", red, tunedAnswer);
    }

    private JsonNode predictWhenServed(String model, byte[] image, int topK) throws Exception {
        String predict = system.url(Service.GATEWAY) + "/api/v1/predict/" + model + "?topK=" + topK;
        HttpResponse<String>[] last = new HttpResponse[1];
        await("model " + model + " served through the gateway").atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> (last[0] = post(predict, image, "image/jpeg")).statusCode() == 200);
        return JSON.readTree(last[0].body());
    }

    private void ingestDataset(long seed) throws Exception {
        SystemJobs.ingest(http, system, DATASET, Workload.datasetZip(12, 24, seed));
    }

    private void trainAndAwaitModel(Infra infra, String jobId, TrainingCommand command) {
        SystemJobs.trainAndAwait(infra, system, jobId, command, WORKLOAD_TIMEOUT);
    }

    private void predictThroughGateway() throws Exception {
        byte[] image = Workload.png(0, 24, new Random(99));
        String predict = system.url(Service.GATEWAY) + "/api/v1/predict/" + MODEL + "?topK=2";
        await("model " + MODEL + " served through the gateway").atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(IOException.class).until(() -> post(predict, image, "image/png").statusCode() == 200);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = post(predict, Workload.png(i % 2, 24, new Random(i)), "image/png");
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("reds") || r.body().contains("blues"), r.body());
        }
        HttpResponse<String> bad = post(predict, "not an image".getBytes(), "application/octet-stream");
        assertTrue(bad.statusCode() >= 400 && bad.statusCode() < 500, "garbage: " + bad.statusCode() + " " + bad.body());
        HttpResponse<String> unknown = post(system.url(Service.GATEWAY) + "/api/v1/predict/no-such-model", image,
                "image/png");
        assertEquals(404, unknown.statusCode(), "unknown model: " + unknown.body());
    }

    private HttpResponse<String> post(String url, byte[] body, String contentType) throws IOException,
            InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
                .header("X-API-Key", API_KEY).timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
