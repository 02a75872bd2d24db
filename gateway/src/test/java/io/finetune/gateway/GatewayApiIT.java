package io.finetune.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.TrainingEventType;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway in-process against the real Kafka, with real HTTP stand-ins for the inference and dataset APIs. */
@ExtendWith(InfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayApiIT {
    static final String KEY = "test-key-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Infra infra;
    private StandInBackends backends;
    private EmbeddedServer server;
    private GatewayClient client;

    @BeforeAll
    void start(Infra infra) throws IOException {
        this.infra = infra;
        backends = new StandInBackends();
        server = startGateway(Map.of());
        client = new GatewayClient("http://127.0.0.1:" + server.getPort());
    }

    private EmbeddedServer startGateway(Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(infra.serviceProperties());
        p.put("micronaut.server.port", FreePorts.next());
        p.put("endpoints.all.port", FreePorts.next());
        p.put("micronaut.http.services.inference.url", backends.inferenceUrl());
        p.put("micronaut.http.services.dataset.url", backends.datasetUrl());
        p.put("finetune.gateway.api-keys", List.of(KEY, "second-key"));
        p.put("finetune.gateway.max-image-bytes", 200_000);
        p.put("micronaut.server.cors.configurations.web.allowed-origins-regex", "^http://ui\\.example$");
        p.putAll(overrides);
        return ApplicationContext.run(EmbeddedServer.class, p);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (backends != null) {
            backends.close();
        }
    }

    @Test
    void submittedJobIsPublishedAsCommandOnKafkaAndCancelPublishesCancel() throws Exception {
        HttpResponse<String> r = client.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(null), KEY);
        assertEquals(202, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        String jobId = body.get("jobId").asText();
        assertTrue(jobId.startsWith("finetune-"), jobId);
        assertEquals("/api/v1/jobs/" + jobId, body.get("statusUrl").asText());

        List<ConsumerRecord<String, byte[]>> records = TopicsAccess.recordsWithKey(infra.kafkaBootstrap(),
                Topics.TRAINING_COMMANDS, jobId);
        assertEquals(1, records.size());
        TrainingCommand command = ContractCodec.decode(records.get(0).value(), TrainingCommand.class);
        assertEquals(JobKind.FINETUNE, command.kind());
        assertEquals("imagenette", command.baseModel().name());
        assertEquals(7L, command.seed());

        // the view shows the job as soon as its command is read back from the topic
        await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/api/v1/jobs/" + jobId).statusCode() == 200);
        assertEquals("SUBMITTED", JSON.readTree(client.get("/api/v1/jobs/" + jobId).body()).get("status").asText());

        HttpRequest cancel = client.request("/api/v1/jobs/" + jobId).header("Authorization", "Bearer second-key")
                .DELETE().build();
        assertEquals(202, client.send(cancel).statusCode());
        List<ConsumerRecord<String, byte[]>> after = TopicsAccess.recordsWithKey(infra.kafkaBootstrap(),
                Topics.TRAINING_COMMANDS, jobId);
        assertEquals(JobKind.CANCEL, ContractCodec.decode(after.get(after.size() - 1).value(),
                TrainingCommand.class).kind());
        await().atMost(Duration.ofSeconds(30)).until(() ->
                JSON.readTree(client.get("/api/v1/jobs/" + jobId).body()).get("cancelRequested").asBoolean());
    }

    @Test
    void eventsOnTheTopicUpdateTheJobView() throws Exception {
        String jobId = "events-" + System.nanoTime();
        assertEquals(202, client.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(jobId), KEY).statusCode());
        String bootstrap = infra.kafkaBootstrap();
        TopicsAccess.send(bootstrap, Topics.TRAINING_EVENTS, jobId, ContractCodec.encode(TrainingFixtures.event(
                jobId, TrainingEventType.STARTED, JobKind.FINETUNE, 0, 0)));
        for (int epoch = 1; epoch <= 2; epoch++) {
            TopicsAccess.send(bootstrap, Topics.TRAINING_EVENTS, jobId, ContractCodec.encode(TrainingFixtures.event(
                    jobId, TrainingEventType.EPOCH_COMPLETED, JobKind.FINETUNE, epoch, 0.5 + epoch / 10.0)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() ->
                JSON.readTree(client.get("/api/v1/jobs/" + jobId).body()).get("epochs").size() == 2);
        JsonNode running = JSON.readTree(client.get("/api/v1/jobs/" + jobId).body());
        assertEquals("RUNNING", running.get("status").asText());
        assertEquals(0.7, running.get("epochs").get(1).get("validationAccuracy").asDouble(), 1e-9);

        TopicsAccess.send(bootstrap, Topics.TRAINING_EVENTS, jobId, ContractCodec.encode(TrainingFixtures.event(
                jobId, TrainingEventType.COMPLETED, JobKind.FINETUNE, 3, 0)));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                JSON.readTree(client.get("/api/v1/jobs/" + jobId).body()).get("status").asText().equals("COMPLETED"));
        JsonNode done = JSON.readTree(client.get("/api/v1/jobs/" + jobId).body());
        assertEquals("flowers-ft", done.get("model").get("name").asText());
        assertEquals(0.83, done.get("test").get("accuracy").asDouble(), 1e-9);
        JsonNode list = JSON.readTree(client.get("/api/v1/jobs").body());
        assertTrue(list.findValuesAsText("jobId").contains(jobId), "GET /api/v1/jobs lists " + jobId);
    }

    @Test
    void unknownJobIs404WithApiError() throws Exception {
        HttpResponse<String> r = client.get("/api/v1/jobs/no-such-job");
        assertEquals(404, r.statusCode());
        assertTrue(JSON.readTree(r.body()).get("message").asText().contains("no-such-job"), r.body());
    }

    @Test
    void unauthenticatedOrWrongKeyPostGets401WithReason() throws Exception {
        HttpResponse<String> none = client.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(null), null);
        assertEquals(401, none.statusCode(), none.body());
        assertTrue(JSON.readTree(none.body()).get("message").asText().contains("X-API-Key"), none.body());
        HttpResponse<String> wrong = client.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(null), "nope");
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.body().contains("unknown key"), wrong.body());
        HttpRequest cancel = client.request("/api/v1/jobs/some-job").DELETE().build();
        assertEquals(401, client.send(cancel).statusCode());
        HttpResponse<String> upload = client.send(client.request("/api/v1/datasets/flowers")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[10])).build());
        assertEquals(401, upload.statusCode());
        assertTrue(backends.datasetPaths.stream().noneMatch(p -> p.startsWith("POST")), backends.datasetPaths
                .toString());
    }

    @Test
    void invalidTrainingRequestIs400NamingTheField() throws Exception {
        String bad = TrainingFixtures.finetuneRequest(null).replace("\"epochs\": 3", "\"epochs\": 0");
        HttpResponse<String> r = client.postJson("/api/v1/jobs", bad, KEY);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("hyperParameters.epochs") && r.body().contains("found 0"), r.body());
        JsonNode field = JSON.readTree(r.body()).get("fields").get(0);
        assertEquals("hyperParameters.epochs", field.get("field").asText(), r.body());
        assertTrue(field.get("message").asText().contains("found 0"), r.body());
        String unknownArchitecture = "unknown-arch-" + System.nanoTime();
        HttpResponse<String> vgg = client.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(
                unknownArchitecture).replace("\"res-cnn\"", "\"vgg-16\""), KEY);
        assertEquals(400, vgg.statusCode(), "refused at once, not FAILED later in the trainer: " + vgg.body());
        assertEquals(List.of("architecture"), JSON.readTree(vgg.body()).get("fields").findValuesAsText("field"));
        assertTrue(vgg.body().contains("found 'vgg-16'") && vgg.body().contains("efficientnet-lite0"), vgg.body());
        assertTrue(TopicsAccess.recordsWithKey(infra.kafkaBootstrap(), Topics.TRAINING_COMMANDS, unknownArchitecture)
                .isEmpty(), "nothing published");
        HttpResponse<String> noKind = client.postJson("/api/v1/jobs", "{\"modelName\": \"x\"}", KEY);
        assertEquals(400, noKind.statusCode(), noKind.body());
        assertTrue(noKind.body().contains("kind"), noKind.body());
        assertTrue(JSON.readTree(noKind.body()).path("fields").findValuesAsText("field").contains("kind"),
                noKind.body());
        HttpResponse<String> notJson = client.postJson("/api/v1/jobs", "{not json", KEY);
        assertEquals(400, notJson.statusCode(), notJson.body());
        assertTrue(notJson.body().contains("\"status\":400"), notJson.body());
    }

    @Test
    void predictionsAndModelsAreForwardedToInference() throws Exception {
        HttpResponse<String> models = client.get("/api/v1/models");
        assertEquals(200, models.statusCode(), models.body());
        assertEquals("flowers", JSON.readTree(models.body()).get(0).get("name").asText());
        assertEquals(404, client.get("/api/v1/models/unknown").statusCode());

        HttpResponse<String> p = client.send(client.request("/api/v1/predict/flowers?topK=5")
                .header("Content-Type", "image/png").header("X-API-Key", KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(png(Color.RED))).build());
        assertEquals(200, p.statusCode(), p.body());
        JsonNode body = JSON.readTree(p.body());
        assertEquals("rose", body.get("top").get(0).get("className").asText(), p.body());
        assertEquals("3", body.get("version").asText());
        assertEquals("image/png", backends.lastHeaders.get("content-type"));
        assertFalse(backends.lastHeaders.containsKey("x-api-key"), "the API key must not reach the backend");

        String boundary = "----finetune" + System.nanoTime();
        ByteArrayOutputStream multipart = new ByteArrayOutputStream();
        multipart.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.png\""
                + "\r\nContent-Type: image/png\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        multipart.write(png(Color.GREEN));
        multipart.write(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        HttpResponse<String> upload = client.send(client.request("/api/v1/predict/flowers")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("X-API-Key", KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart.toByteArray())).build());
        assertEquals(200, upload.statusCode(), upload.body());
        assertEquals("fern", JSON.readTree(upload.body()).get("top").get(0).get("className").asText(), upload.body());

        HttpResponse<String> notImage = client.send(client.request("/api/v1/predict/flowers")
                .header("Content-Type", "image/png").header("X-API-Key", KEY)
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build());
        assertEquals(400, notImage.statusCode(), "the backend's 400 passes through");
        assertTrue(notImage.body().contains("expected an image"), notImage.body());
        assertEquals(400, client.send(client.request("/api/v1/predict/..%2Fmodels")
                .header("Content-Type", "image/png").header("X-API-Key", KEY)
                .POST(HttpRequest.BodyPublishers.ofString("x")).build()).statusCode());
    }

    @Test
    void servingStateChangesNeedTheKeyAndAreForwardedToInference() throws Exception {
        HttpResponse<String> anonymous = client.send(client.request("/api/v1/models/flowers/serving")
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(401, anonymous.statusCode(), anonymous.body());

        HttpResponse<String> serve = client.send(client.request("/api/v1/models/flowers/serving")
                .header("Content-Type", "application/json").header("X-API-Key", KEY)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"version\": \"3\"}")).build());
        assertEquals(200, serve.statusCode(), serve.body());
        assertTrue(JSON.readTree(serve.body()).get("serve").asBoolean(), serve.body());
        assertEquals("PUT {\"version\": \"3\"}", backends.lastServingRequest);

        HttpResponse<String> stop = client.send(client.request("/api/v1/models/flowers/serving")
                .header("X-API-Key", KEY).DELETE().build());
        assertEquals(200, stop.statusCode(), stop.body());
        assertFalse(JSON.readTree(stop.body()).get("serve").asBoolean(), stop.body());
        assertTrue(backends.lastServingRequest.startsWith("DELETE"), backends.lastServingRequest);

        HttpResponse<String> unknown = client.send(client.request("/api/v1/models/x/serving")
                .header("Content-Type", "application/json").header("X-API-Key", KEY)
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(404, unknown.statusCode(), "the backend's 404 passes through: " + unknown.body());
        assertTrue(unknown.body().contains("expected a model in the registry"), unknown.body());
        assertEquals(400, client.send(client.request("/api/v1/models/Bad%20Name/serving").header("X-API-Key", KEY)
                .DELETE().build()).statusCode());
    }

    @Test
    void finetuneThatDoesNotFitItsRegisteredBaseModelIs400NamingEachFieldAndIsNotPublished() throws Exception {
        String jobId = "misfit-" + System.nanoTime();
        String misfit = TrainingFixtures.finetuneRequest(jobId).replace("\"name\": \"imagenette\", \"version\": "
                + "\"latest\"", "\"name\": \"flowers\", \"version\": \"latest\"");
        HttpResponse<String> r = client.postJson("/api/v1/jobs", misfit, KEY);
        assertEquals(400, r.statusCode(), r.body());
        JsonNode fields = JSON.readTree(r.body()).get("fields");
        assertEquals(List.of("architecture", "hyperParameters.imageSize"), fields.findValuesAsText("field"), r.body());
        assertTrue(fields.get(1).get("message").asText().startsWith("expected 32 (the input size of base model "
                + "flowers version 3), found 64"), r.body());
        HttpResponse<String> noVersion = client.postJson("/api/v1/jobs", misfit.replace("\"latest\"}, "
                + "\"architecture\"", "\"7\"}, \"architecture\""), KEY);
        assertEquals(400, noVersion.statusCode(), noVersion.body());
        assertTrue(noVersion.body().contains("baseModel.version") && noVersion.body().contains("[2, 3]"),
                noVersion.body());
        HttpResponse<String> fits = client.postJson("/api/v1/jobs", misfit.replace("res-cnn", "seed-cnn")
                .replace("\"imageSize\": 64", "\"imageSize\": 32"), KEY);
        assertEquals(202, fits.statusCode(), fits.body());
        List<ConsumerRecord<String, byte[]>> records = TopicsAccess.recordsWithKey(infra.kafkaBootstrap(),
                Topics.TRAINING_COMMANDS, jobId);
        assertEquals(1, records.size(), "only the command that fits its base model is published");
        assertEquals("seed-cnn", ContractCodec.decode(records.get(0).value(), TrainingCommand.class).architecture());
    }

    @Test
    void registryIsForwardedAndAPredictionMayNameTheVersion() throws Exception {
        HttpResponse<String> registry = client.get("/api/v1/registry");
        assertEquals(200, registry.statusCode(), registry.body());
        List<String> names = new java.util.ArrayList<>();
        JSON.readTree(registry.body()).forEach(m -> names.add(m.get("name").asText()));
        assertEquals(List.of("flowers", "pets"), names);
        HttpResponse<String> flowers = client.get("/api/v1/registry/flowers");
        assertEquals(200, flowers.statusCode(), flowers.body());
        assertEquals("backbone", JSON.readTree(flowers.body()).at("/versions/1/parent/name").asText());
        HttpResponse<String> unknown = client.get("/api/v1/registry/unknown");
        assertEquals(404, unknown.statusCode());
        assertTrue(JSON.readTree(unknown.body()).path("message").asText().contains("/registry/unknown"),
                "a 404's ApiError passes through: " + unknown.body());
        assertEquals(400, client.get("/api/v1/registry/Bad%20Name").statusCode());

        HttpResponse<String> old = client.send(client.request("/api/v1/predict/flowers?version=2")
                .header("Content-Type", "image/png").header("X-API-Key", KEY).POST(HttpRequest.BodyPublishers.ofByteArray(png(Color.RED)))
                .build());
        assertEquals(200, old.statusCode(), old.body());
        assertEquals("2", JSON.readTree(old.body()).get("version").asText(), "the version asked for answered");
        HttpResponse<String> bad = client.send(client.request("/api/v1/predict/flowers?version=two")
                .header("Content-Type", "image/png").header("X-API-Key", KEY).POST(HttpRequest.BodyPublishers.ofByteArray(png(Color.RED)))
                .build());
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(JSON.readTree(bad.body()).get("message").asText().startsWith("version: expected a positive "
                + "integer or 'latest', found 'two'"), bad.body());
    }

    @Test
    void predictionWithInferenceDownIs503Quickly() throws Exception {
        int closed = FreePorts.next();
        try (EmbeddedServer down = startGateway(Map.of("micronaut.http.services.inference.url",
                "http://127.0.0.1:" + closed))) {
            GatewayClient c = new GatewayClient("http://127.0.0.1:" + down.getPort());
            for (int i = 0; i < 3; i++) { // the first calls meet a refused connection, later ones an open circuit
                long start = System.nanoTime();
                HttpResponse<String> r = c.send(c.request("/api/v1/predict/flowers")
                        .timeout(Duration.ofSeconds(40)).header("Content-Type", "image/png").header("X-API-Key", KEY)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(png(Color.RED))).build());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.println("prediction with inference down: HTTP " + r.statusCode() + " in " + millis + " ms");
                assertEquals(503, r.statusCode(), r.body());
                // refused at once or cut by the 1 s connect timeout, never the 30 s read timeout: a bound far from
                // both, so a loaded machine cannot fail it and a hang on the read timeout cannot pass it
                assertTrue(millis < 5_000, "expected a 503 well before the 30 s read timeout, took " + millis + " ms");
                JsonNode error = JSON.readTree(r.body());
                assertEquals(503, error.get("status").asInt());
                assertTrue(error.get("message").asText().contains("inference service"), r.body());
            }
            HttpResponse<String> models = c.get("/api/v1/models");
            assertEquals(503, models.statusCode(), models.body());
        }
    }

    @Test
    void datasetRoutesAreForwardedAndUploadsStreamed() throws Exception {
        HttpResponse<String> list = client.get("/api/v1/datasets?page=1");
        assertEquals(200, list.statusCode(), list.body());
        assertTrue(list.body().contains("flowers"));
        assertTrue(backends.datasetPaths.contains("GET /datasets?page=1"), backends.datasetPaths.toString());

        // The client holds back the second half of the archive until the backend has seen the first half:
        // a gateway that buffered the body would never forward it, and the upload would fail. A raw socket, so
        // that nothing on the client side buffers either.
        int half = 1 << 20;
        backends.uploadThreshold = half;
        backends.uploadStarted = new java.util.concurrent.CountDownLatch(1);
        String response;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.getPort())) {
            socket.setSoTimeout(120_000);
            var out = new java.io.BufferedOutputStream(socket.getOutputStream());
            out.write(("POST /api/v1/datasets/flowers HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                    + "\r\nContent-Type: application/zip\r\nTransfer-Encoding: chunked\r\nConnection: close"
                    + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'z');
            for (int part = 0; part < 2; part++) {
                for (int sent = 0; sent < half; sent += chunk.length) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(
                            java.nio.charset.StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
                out.flush();
                if (part == 0) {
                    assertTrue(backends.uploadStarted.await(60, TimeUnit.SECONDS), "the dataset backend saw "
                            + "nothing of the first " + half + " bytes: the gateway buffers uploads instead of "
                            + "streaming them");
                }
            }
            out.write("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            response = readUntilJsonEnds(socket.getInputStream());
        }
        assertTrue(response.startsWith("HTTP/1.1 201"), response);
        assertTrue(response.contains("\"received\":" + (2L * half)), response);
        assertFalse(backends.lastHeaders.containsKey("dataset-x-api-key"), "the API key must not reach the backend");

        assertEquals(400, client.get("/api/v1/datasets/Bad%20Name").statusCode());
        // a version that is neither a number nor latest matches no route (so /{name}/import is the import alone)
        assertEquals(404, client.get("/api/v1/datasets/flowers/..%2F..%2Fhealth").statusCode());
        int forwarded = backends.datasetPaths.size();
        assertEquals(404, client.get("/api/v1/datasets/flowers/1/extra").statusCode());
        assertEquals(forwarded, backends.datasetPaths.size(), "a route the gateway does not define is not forwarded");
    }

    @Test
    void bodiesOverTheLimitAre413() throws Exception {
        HttpResponse<String> r = client.send(client.request("/api/v1/predict/flowers")
                .header("Content-Type", "image/png").header("X-API-Key", KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[300_000])).build());
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("at most 200000 bytes"), r.body());
    }

    @Test
    void chunkedBodiesOnRoutesWithSmallLimitsAre411() throws Exception {
        for (String path : List.of("/api/v1/predict/flowers", "/api/v1/jobs", "/api/v1/datasets/flowers/import")) {
            byte[] body = new byte[300_000]; // over both small limits, sent without a length
            HttpResponse<String> r = client.send(client.request(path).header("Content-Type", path.contains("predict")
                            ? "image/png" : "application/json").header("X-API-Key", KEY)
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                    .build());
            assertEquals(411, r.statusCode(), path + ": " + r.body());
            assertTrue(r.body().contains("expected a Content-Length of at most") && r.body().contains("chunked"),
                    r.body());
        }
    }

    @Test
    void aBoundedJobViewDropsFinishedJobsFromMemoryAndStillAnswersThemFromTheTopics() throws Exception {
        String oldJob = "old-" + System.nanoTime();
        assertEquals(202, client.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(oldJob), KEY).statusCode());
        TopicsAccess.send(infra.kafkaBootstrap(), Topics.TRAINING_EVENTS, oldJob, ContractCodec.encode(
                TrainingFixtures.event(oldJob, TrainingEventType.EPOCH_COMPLETED, JobKind.FINETUNE, 1, 0.61)));
        TopicsAccess.send(infra.kafkaBootstrap(), Topics.TRAINING_EVENTS, oldJob, ContractCodec.encode(
                TrainingFixtures.event(oldJob, TrainingEventType.FAILED, JobKind.FINETUNE, 1, 0)));
        for (int i = 0; i < 3; i++) { // newer jobs, so the old one is among the finished ones updated longest ago
            String newer = "newer-" + i + "-" + System.nanoTime();
            assertEquals(202, client.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(newer), KEY)
                    .statusCode());
        }
        try (EmbeddedServer small = startGateway(Map.of("finetune.gateway.jobs-view.max-jobs", 2))) {
            GatewayClient c = new GatewayClient("http://127.0.0.1:" + small.getPort());
            await().atMost(Duration.ofSeconds(30)).until(() -> management(small).get("/health/readiness")
                    .statusCode() == 200);
            assertFalse(c.get("/api/v1/jobs?limit=1000").body().contains(oldJob), "dropped from memory");
            HttpResponse<String> old = c.get("/api/v1/jobs/" + oldJob);
            assertEquals(200, old.statusCode(), old.body());
            JsonNode view = JSON.readTree(old.body());
            assertEquals("FAILED", view.get("status").asText(), old.body());
            assertEquals(1, view.get("epochs").size(), "its whole history, read back from the topics");
            assertEquals(404, c.get("/api/v1/jobs/never-" + System.nanoTime()).statusCode());
        }
    }

    @Test
    void corsAllowsOnlyTheConfiguredOrigin() throws Exception {
        HttpResponse<String> ok = client.send(client.request("/api/v1/jobs")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://ui.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,x-api-key").build());
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("http://ui.example", ok.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        HttpResponse<String> other = client.send(client.request("/api/v1/jobs")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://evil.example")
                .header("Access-Control-Request-Method", "POST").build());
        assertTrue(other.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), other.headers().toString());
    }

    @Test
    void metricsExposeRequestsByRouteAndPublishFailures() throws Exception {
        client.get("/api/v1/jobs");
        HttpResponse<String> metrics = management(server).get("/prometheus");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("http_server_requests_seconds_bucket{"), "latency histogram");
        assertTrue(metrics.body().lines().anyMatch(l -> l.startsWith("http_server_requests_seconds_count{")
                && l.contains("uri=\"/api/v1/jobs\"") && l.contains("status=\"200\"")), "requests by route and status");
        assertTrue(metrics.body().contains("finetune_gateway_kafka_publish_failures_total{topic=\""
                + Topics.TRAINING_COMMANDS + "\"}"), "publish failures counter");
    }

    @Test
    void kafkaPublishFailureIs503AndCounted() throws Exception {
        int closed = FreePorts.next();
        try (EmbeddedServer noKafka = startGateway(Map.of("kafka.bootstrap.servers", "127.0.0.1:" + closed,
                "kafka.producers.training-commands.max.block.ms", "1500"))) {
            GatewayClient c = new GatewayClient("http://127.0.0.1:" + noKafka.getPort());
            HttpResponse<String> r = c.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest("kafka-down-1"), KEY);
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains("Kafka") && r.body().contains("kafka-down-1"), r.body());
            String metrics = management(noKafka).get("/prometheus").body();
            assertTrue(metrics.contains("finetune_gateway_kafka_publish_failures_total{topic=\""
                    + Topics.TRAINING_COMMANDS + "\"} 1.0"), metrics.lines()
                    .filter(l -> l.contains("publish_failures")).toList().toString());
        }
    }

    @Test
    void withoutConfiguredKeysMutationsAreRefusedWithAClearMessage() throws Exception {
        try (EmbeddedServer keyless = startGateway(Map.of("finetune.gateway.api-keys", List.of()))) {
            GatewayClient c = new GatewayClient("http://127.0.0.1:" + keyless.getPort());
            HttpResponse<String> r = c.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(null), "anything");
            assertEquals(401, r.statusCode(), r.body());
            assertTrue(r.body().contains("FINETUNE_GATEWAY_API_KEYS"), r.body());
        }
    }

    /** A client of the management port ({@code endpoints.all.port}) of a gateway started here. */
    private static GatewayClient management(EmbeddedServer gateway) {
        return new GatewayClient("http://127.0.0.1:" + gateway.getApplicationContext()
                .getRequiredProperty("endpoints.all.port", Integer.class));
    }

    @Test
    void predictionsNeedAKeyUnlessTheOperatorOpensThem() throws Exception {
        HttpRequest.Builder req = client.request("/api/v1/predict/flowers").header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png(Color.BLUE)));
        HttpResponse<String> anonymous = client.send(req.build());
        assertEquals(401, anonymous.statusCode(), "anonymous predictions are off by default: " + anonymous.body());
        assertTrue(anonymous.body().contains("expected an API key"), anonymous.body());
        HttpResponse<String> withKey = client.send(req.header("X-API-Key", KEY).build());
        assertEquals(200, withKey.statusCode(), withKey.body());
        assertEquals("bluebell", JSON.readTree(withKey.body()).get("top").get(0).get("className").asText());
        try (EmbeddedServer open = startGateway(Map.of("finetune.gateway.public-predictions", true))) {
            GatewayClient c = new GatewayClient("http://127.0.0.1:" + open.getPort());
            HttpResponse<String> opened = c.send(c.request("/api/v1/predict/flowers").header("Content-Type",
                    "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png(Color.BLUE))).build());
            assertEquals(200, opened.statusCode(), opened.body());
            assertEquals(401, c.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(null), null).statusCode(),
                    "opening predictions opens nothing else");
        }
    }

    @Test
    void healthAndMetricsAnswerOnTheManagementPortOnlyNeverOnThePublicOne() throws Exception {
        for (String path : List.of("/prometheus", "/health", "/health/readiness", "/health/liveness", "/beans",
                "/loggers", "/routes", "/env")) {
            for (String key : java.util.Arrays.asList(null, KEY)) {
                HttpRequest.Builder b = client.request(path).GET();
                if (key != null) {
                    b.header("X-API-Key", key);
                }
                HttpResponse<String> r = client.send(b.build());
                assertTrue(r.statusCode() == 404 || r.statusCode() == 401, path + " on the public port answered "
                        + r.statusCode() + ": " + r.body());
                assertFalse(r.body().contains("jvm_memory") || r.body().contains("\"details\""), path + ": "
                        + r.body());
            }
        }
        GatewayClient management = management(server);
        HttpResponse<String> health = management.get("/health");
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("\"details\""), "details for the probes and operators: " + health.body());
        assertEquals(200, management.get("/health/readiness").statusCode());
        HttpResponse<String> metrics = management.get("/prometheus");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "JVM metrics for Prometheus");
    }

    @Test
    void pageAndOpenApiDocumentAreServed() throws Exception {
        HttpResponse<String> page = client.get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("drop-zone"), page.body());
        assertEquals(200, client.get("/app.js").statusCode());
        HttpResponse<String> doc = client.get("/openapi/finetune-gateway-v1.yml");
        assertEquals(200, doc.statusCode());
        assertTrue(doc.body().contains("/api/v1/jobs"), doc.body());
        assertEquals(404, client.get("/api/v1/nothing-here").statusCode());
    }

    /** Reads a response whose JSON body is one flat object, up to its closing brace (keep-alive: no EOF). */
    private static String readUntilJsonEnds(java.io.InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int b; (b = in.read()) >= 0; ) {
            text.append((char) b);
            int head = text.indexOf("\r\n\r\n");
            if (b == '}' && head >= 0) {
                return text.toString();
            }
        }
        return text.toString();
    }

    static byte[] png(Color color) throws IOException {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, 32, 32);
        g.setColor(Color.WHITE);
        g.fillOval(10, 10, 12, 12);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
