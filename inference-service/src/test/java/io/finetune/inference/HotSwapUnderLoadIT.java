package io.finetune.inference;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPublished;
import io.finetune.ml.ModelPackages;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot reload on the real MinIO and Kafka, with the service as its own process (micro-batching on, so the batcher's
 * hand-over is exercised too): a new version published while 20 clients keep predicting is activated through the
 * {@code ModelPublished} event (the pointer check is set to 10 minutes so it cannot be what finds it) without one
 * failed request; broken versions are refused and the good one keeps serving.
 */
@ExtendWith(InfraExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HotSwapUnderLoadIT {
    private static final String MODEL = "swap-cls";
    private static final int CLIENTS = 20;
    private static final Duration MIN_LOAD = Duration.ofSeconds(30);
    private static final Duration AFTER_SWAP = Duration.ofSeconds(5);
    private static final Duration MAX_LOAD = Duration.ofSeconds(150);
    private static ServerProcess service;
    private static ServiceClient client;
    private static Path v2;

    @BeforeAll
    static void start(Infra infra) throws Exception {
        TestModels.publish(infra, TestModels.renamed(TestModels.trainedPackage(21), MODEL, "1"), MODEL, "1");
        v2 = TestModels.renamed(TestModels.trainedPackage(22), MODEL, "2");
        SwapUnderLoad.Service started = SwapUnderLoad.startFollowing(infra, MODEL, "inference-swap",
                Duration.ofSeconds(60));
        service = started.process();
        client = started.client();
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.stop();
        }
    }

    @Test
    @Order(1)
    void newVersionIsActivatedUnderLoadWithoutOneFailedRequest(Infra infra) throws Exception {
        assertEquals("1", client.get("/models/" + MODEL).json().get("activeVersion").asText());
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            images.add(TinyImages.samplePng(i % 3, 3, 48, 500 + i));
        }
        SwapUnderLoad.Outcome outcome = new SwapUnderLoad(client, MODEL, CLIENTS, MIN_LOAD, AFTER_SWAP, MAX_LOAD)
                .run(images, 50, () -> TestModels.publish(infra, v2, MODEL, "2"), "2");
        System.out.println("hot swap under load: " + outcome.summary());

        assertTrue(outcome.failures().isEmpty(), "expected no failed request, found " + outcome.failures().size()
                + ": " + outcome.failures().stream().limit(5).toList());
        assertTrue(outcome.seconds() >= MIN_LOAD.toSeconds(), "load ran " + outcome.seconds() + " s");
        assertTrue(outcome.versions().containsKey("1") && outcome.versions().containsKey("2"),
                "both versions answered: " + outcome.versions());
        assertEquals(outcome.ok(), outcome.sortedLatencyNanos().size());
        assertEquals("2", client.postRaw("/predict/" + MODEL, "image/png", images.get(0)).json().get("version")
                .asText());
        String metrics = client.get("/prometheus").body();
        assertTrue(metrics.contains("finetune_inference_active_model_version{model=\"" + MODEL + "\"} 2.0"), metrics);
        assertTrue(metrics.contains("finetune_inference_reloads_total{model=\"" + MODEL + "\",outcome=\"ok\"} 2.0"),
                metrics);
    }

    @Test
    @Order(2)
    void brokenVersionsAreRefusedAndTheGoodOneKeepsServing(Infra infra) throws Exception {
        String active = client.get("/models/" + MODEL).json().get("activeVersion").asText();
        assertEquals("2", active);
        ModelManifest m = ModelPackages.readManifest(v2);

        Path wrongClasses = TestModels.renamed(v2, MODEL, "3");
        TestModels.writeManifest(wrongClasses, TestModels.withClasses(m, MODEL, "3", TinyImages.classes(4)));
        TestModels.publish(infra, wrongClasses, MODEL, "3");

        Path corrupt = TestModels.renamed(v2, MODEL, "4");
        Path weights = corrupt.resolve(m.modelFile());
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        TestModels.publish(infra, corrupt, MODEL, "4");

        Path misannounced = TestModels.renamed(v2, MODEL, "5");
        TestModels.upload(infra, misannounced, MODEL, "5");
        TestModels.announce(infra, new ModelPublished(ModelPublished.SCHEMA_VERSION, MODEL, "5", Instant.now(),
                "test-job", m.architecture(), 7, m.imageSize(), null, m.datasetFingerprint()));

        await("three refusals").atMost(Duration.ofSeconds(120)).until(() ->
                client.get("/models/" + MODEL).json().get("refusedVersions").size() == 3);
        JsonNode status = client.get("/models/" + MODEL).json();
        System.out.println("after broken versions: " + status);
        assertEquals("[\"3\",\"4\",\"5\"]", status.get("refusedVersions").toString());
        assertEquals("2", status.get("activeVersion").asText());
        assertEquals("ACTIVE", status.get("state").asText());
        assertTrue(status.at("/lastFailure/message").asText().contains("expected 7 classes"), status.toString());
        ServiceClient.Response r = client.postRaw("/predict/" + MODEL, "image/png", TinyImages.samplePng(0, 3, 32, 1));
        assertEquals(200, r.status(), r.body());
        assertEquals("2", r.json().get("version").asText());
        String metrics = client.get("/prometheus").body();
        assertTrue(metrics.contains("finetune_inference_reloads_total{model=\"" + MODEL + "\",outcome=\"failed\"} 3.0"),
                metrics);
        assertTrue(metrics.contains("finetune_inference_active_model_version{model=\"" + MODEL + "\"} 2.0"), metrics);
        assertTrue(Files.readString(service.log()).contains("refused " + MODEL + " version 3"), "refusal is logged");
    }
}
