package io.finetune.inference;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readiness with one published and one unpublished configured model: not ready while the unpublished one is awaited
 * (liveness stays UP, the loaded model answers, the unpublished one answers 503), then its version is found by the
 * periodic pointer check alone (no event is sent) and the replica becomes ready. (The startup wait running out is
 * covered by StartupGateTest, on a clock the test controls.) A publish event for
 * a model nobody configured starts serving it.
 */
@ExtendWith(InfraExtension.class)
class ReadinessIT {
    private static final String READY = "ready-a";
    private static final String GHOST = "ready-ghost";
    private static final String NEW = "ready-new";
    /** Long enough that the test never sees it run out: that half of the semantics is StartupGateTest's. */
    private static final Duration STARTUP_WAIT = Duration.ofMinutes(30);

    @Test
    void unpublishedModelHoldsReadinessOnlyForTheStartupWaitAndIsLoadedOncePublished(Infra infra) throws Exception {
        Path trained = TestModels.trainedPackage(31);
        TestModels.publish(infra, TestModels.renamed(trained, READY, "1"), READY, "1");
        int port = FreePorts.next();
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
        env.put("FINETUNE_INFERENCE_MODELS", READY + "," + GHOST);
        env.put("FINETUNE_INFERENCE_STARTUP_WAIT", STARTUP_WAIT.toSeconds() + "s");
        env.put("FINETUNE_INFERENCE_POINTER_CHECK_INTERVAL", "2s");
        env.put("FINETUNE_INFERENCE_WORK_DIR", RepositoryLayout.scratch("ready-work").toString());
        ServiceClient client = new ServiceClient(port);
        try (ServerProcess service = ServiceLauncher.startAnswering("inference-ready", port, env,
                RepositoryLayout.scratch("inference-ready"), Duration.ofSeconds(180))) {

            ServiceClient.Response early = client.get("/health");
            JsonNode details = early.json().at("/details/models/details");
            assertEquals(503, early.status(), "not ready while " + GHOST + " is awaited: " + early.body());
            assertFalse(details.get("startupWaitOver").asBoolean(), early.body());
            assertTrue(details.get(GHOST).asText().matches("PENDING|NOT_PUBLISHED"), early.body());
            assertEquals(200, client.get("/health/liveness").status(), "alive while not ready");

            await("the published model loads, the other is found missing").atMost(Duration.ofSeconds(120)).until(() ->
                    "ACTIVE".equals(client.get("/models/" + READY).json().get("state").asText())
                            && "NOT_PUBLISHED".equals(client.get("/models/" + GHOST).json().get("state").asText()));
            assertEquals(503, client.get("/health").status(), "still not ready: " + GHOST + " has no version");
            byte[] image = TinyImages.samplePng(0, 3, 32, 1);
            ServiceClient.Response unavailable = client.postRaw("/predict/" + GHOST, "image/png", image);
            assertEquals(503, unavailable.status(), unavailable.body());
            assertTrue(unavailable.json().get("message").asText().contains("NOT_PUBLISHED"), unavailable.body());
            assertEquals(200, client.postRaw("/predict/" + READY, "image/png", image).status(),
                    "a loaded model answers while the replica is not ready");

            TestModels.upload(infra, TestModels.renamed(trained, GHOST, "1"), GHOST, "1");
            await("the pointer check finds the version without an event").atMost(Duration.ofSeconds(120))
                    .until(() -> "1".equals(client.get("/models/" + GHOST).json().path("activeVersion").asText()));
            assertEquals(200, client.get("/health").status(), "ready once every configured model is active");
            ServiceClient.Response served = client.postRaw("/predict/" + GHOST, "image/png", image);
            assertEquals(200, served.status(), served.body());
            assertEquals("1", served.json().get("version").asText());

            TestModels.publish(infra, TestModels.renamed(trained, NEW, "1"), NEW, "1");
            await("a newly published model is followed").atMost(Duration.ofSeconds(120))
                    .until(() -> client.get("/models/" + NEW).status() == 200
                            && "ACTIVE".equals(client.get("/models/" + NEW).json().get("state").asText()));
            assertFalse(client.get("/models/" + NEW).json().get("configured").asBoolean());
        }
    }
}
