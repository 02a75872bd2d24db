package io.finetune.inference;

import io.finetune.contracts.ModelManifest;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.ModelPackages;
import io.finetune.ml.Prediction;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot reload of a fine-tuned ImageNet backbone (EfficientNet-Lite0, 224 px, about 14 MB of weights) under 20
 * concurrent clients, on the real MinIO and Kafka with the service as its own process and micro-batching on: the new
 * version is activated through its {@code ModelPublished} event without one failed request, and afterwards answers
 * what the ml module answers for the same package and image.
 */
@ExtendWith(InfraExtension.class)
class BackboneHotSwapUnderLoadIT {
    private static final String MODEL = "swap-backbone";
    private static final int CLIENTS = 20;
    private static ServerProcess service;
    private static ServiceClient client;
    private static Path v2;

    @BeforeAll
    static void start(Infra infra) throws Exception {
        Path v1 = TestModels.renamed(TestModels.fineTunedBackbone(31), MODEL, "1");
        v2 = TestModels.renamed(TestModels.fineTunedBackbone(32), MODEL, "2");
        TestModels.publish(infra, v1, MODEL, "1");
        SwapUnderLoad.Service started = SwapUnderLoad.startFollowing(infra, MODEL, "inference-backbone-swap",
                Duration.ofSeconds(90));
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
    void aNewBackboneVersionIsActivatedUnderLoadWithoutOneFailedRequest(Infra infra) throws Exception {
        ModelManifest manifest = ModelPackages.readManifest(v2);
        assertEquals("efficientnet-lite0", manifest.architecture());
        assertEquals(224, manifest.imageSize());
        assertEquals("1", client.get("/models/" + MODEL).json().get("activeVersion").asText());
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            images.add(TinyImages.samplePng(i % 3, 3, 160 + 8 * i, 700 + i));
        }

        SwapUnderLoad.Outcome outcome = new SwapUnderLoad(client, MODEL, CLIENTS, Duration.ofSeconds(30),
                Duration.ofSeconds(5), Duration.ofSeconds(180))
                .run(images, 40, () -> TestModels.publish(infra, v2, MODEL, "2"), "2");
        System.out.println("backbone hot swap under load: " + outcome.summary());

        assertTrue(outcome.failures().isEmpty(), "expected no failed request, found " + outcome.failures().size()
                + ": " + outcome.failures().stream().limit(5).toList());
        assertTrue(outcome.versions().containsKey("1") && outcome.versions().containsKey("2"),
                "both versions answered: " + outcome.versions());
        String metrics = client.get("/prometheus").body();
        assertTrue(metrics.contains("finetune_inference_active_model_version{model=\"" + MODEL + "\"} 2.0"), metrics);
        assertTrue(metrics.contains("finetune_inference_reloads_total{model=\"" + MODEL + "\",outcome=\"ok\"} 2.0"),
                metrics);

        ServiceClient.Response served = client.postRaw("/predict/" + MODEL + "?topK=3", "image/png", images.get(5));
        assertEquals(200, served.status(), served.body());
        assertEquals("2", served.json().get("version").asText());
        try (ImageClassifier local = ModelPackages.load(v2)) {
            Prediction expected = local.predict(images.get(5), 3);
            for (int i = 0; i < 3; i++) {
                assertEquals(expected.top().get(i).className(), served.json().at("/top/" + i + "/className").asText());
                assertEquals(expected.top().get(i).probability(),
                        served.json().at("/top/" + i + "/probability").asDouble(), 1e-5, "class " + i);
            }
        }
    }
}
