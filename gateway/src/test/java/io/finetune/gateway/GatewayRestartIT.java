package io.finetune.gateway;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingEventType;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway as its own process (started like ./finetune does, answering /health and /prometheus on its management
 * port): its jobs view
 * survives a restart because it is rebuilt from the topics.
 */
@ExtendWith(InfraExtension.class)
class GatewayRestartIT {
    @Test
    void startsAsItsOwnProcessAndItsJobViewIsTheSameAfterARestart(Infra infra) throws Exception {
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment());
        env.put("FINETUNE_GATEWAY_API_KEYS", "restart-key");
        int management = FreePorts.next();
        env.put("FINETUNE_GATEWAY_MANAGEMENT_PORT", Integer.toString(management));
        String jobId = "restart-" + System.nanoTime();
        String before;
        int port = FreePorts.next();
        try (ServerProcess gateway = ServiceProcesses.start("gateway-restart", GatewayApplication.class.getName(),
                port, management, env, RepositoryLayout.scratch("gateway"))) {
            GatewayClient client = new GatewayClient("http://127.0.0.1:" + port);
            GatewayClient operator = new GatewayClient("http://127.0.0.1:" + management);
            HttpResponse<String> health = operator.get("/health");
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("\"UP\""), health.body());
            HttpResponse<String> metrics = operator.get("/prometheus");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "expected JVM metrics in /prometheus");
            HttpResponse<String> submitted = client.postJson("/api/v1/jobs", TrainingFixtures.finetuneRequest(jobId),
                    "restart-key");
            assertEquals(202, submitted.statusCode(), submitted.body());
            for (int epoch = 1; epoch <= 2; epoch++) {
                TopicsAccess.send(infra.kafkaBootstrap(), Topics.TRAINING_EVENTS, jobId, ContractCodec.encode(
                        TrainingFixtures.event(jobId, TrainingEventType.EPOCH_COMPLETED, JobKind.FINETUNE, epoch,
                                0.6 + epoch / 10.0)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/api/v1/jobs/" + jobId).body()
                    .contains("\"epoch\":2"));
            before = client.get("/api/v1/jobs/" + jobId).body();
            assertTrue(before.contains("\"status\":\"RUNNING\""), before);
            gateway.stop();
            assertTrue(!gateway.isAlive(), "the first gateway process has stopped");
        }
        int again = FreePorts.next();
        // ServiceProcesses waits for /health, which is DOWN until the view has caught up with the topics
        try (ServerProcess restarted = ServiceProcesses.start("gateway-restarted", GatewayApplication.class.getName(),
                again, management, env, RepositoryLayout.scratch("gateway"))) {
            GatewayClient client = new GatewayClient("http://127.0.0.1:" + again);
            HttpResponse<String> after = client.get("/api/v1/jobs/" + jobId);
            assertEquals(200, after.statusCode(), after.body());
            assertEquals(before, after.body());
        }
    }
}
