package io.finetune.inference;

import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.KafkaBroker;
import io.finetune.testkit.MinioServer;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.RequiredInputs;
import io.finetune.testkit.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Kafka and MinIO killed with SIGKILL under a running inference service and started again on the same ports and
 * data: while both are down the loaded model keeps answering; once they are back, a version announced on Kafka is
 * loaded from MinIO. The pointer check is set far beyond the test, so only the Kafka consumer (reconnected to the
 * restarted broker) can bring the new version in.
 */
@ExtendWith(InfraExtension.class)
class BrokerAndStorageRestartIT {
    private static final String MODEL = "restart-survivor";
    private static final Duration SETTLE = Duration.ofSeconds(120);

    @Test
    void afterKafkaAndMinioAreKilledAndStartedAgainTheServiceAnswersAndFollowsTheNextVersion(Infra infra)
            throws Exception {
        KafkaBroker broker = infra.broker().orElse(null);
        MinioServer minio = infra.minio().orElse(null);
        RequiredInputs.require(broker != null && minio != null,
                "Kafka and MinIO are external here (FINETUNE_KAFKA_BOOTSTRAP / FINETUNE_MINIO_ENDPOINT): the test "
                        + "kills and restarts servers it started itself");
        Path trained = TestModels.trainedPackage(41);
        TestModels.publish(infra, TestModels.renamed(trained, MODEL, "1"), MODEL, "1");
        int port = FreePorts.next();
        ServiceClient client = new ServiceClient(port);
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
        env.put("FINETUNE_INFERENCE_MODELS", MODEL);
        env.put("FINETUNE_INFERENCE_POINTER_CHECK_INTERVAL", "1h");
        env.put("FINETUNE_INFERENCE_WORK_DIR", RepositoryLayout.scratch("restart-work").toString());
        ServerProcess service = ServiceLauncher.startReady("inference-restart", port, env,
                RepositoryLayout.scratch("inference-restart"), Duration.ofSeconds(180));
        byte[] image = TinyImages.samplePng(1, TestModels.CLASSES, TestModels.IMAGE_SIZE, 3);
        try {
            assertEquals("1", client.postRaw("/predict/" + MODEL, "image/png", image).json().get("version").asText());

            broker.kill();
            minio.kill();
            for (int i = 0; i < 5; i++) {
                ServiceClient.Response r = client.postRaw("/predict/" + MODEL, "image/png", image);
                assertEquals(200, r.status(), "the loaded model answers while Kafka and MinIO are down: " + r.body());
            }

            minio.startAgain();
            broker.startAgain();
            TestModels.publish(infra, TestModels.renamed(trained, MODEL, "2"), MODEL, "2");
            await("version 2 announced on the restarted broker and loaded from the restarted MinIO").atMost(SETTLE)
                    .until(() -> "2".equals(client.get("/models/" + MODEL).json().path("activeVersion").asText()));
            ServiceClient.Response after = client.postRaw("/predict/" + MODEL, "image/png", image);
            assertEquals(200, after.status(), after.body());
            assertEquals("2", after.json().get("version").asText());
        } finally {
            service.stop();
        }
    }
}
