package io.finetune.dataset;

import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(InfraExtension.class)
class ServiceSkeletonIT {
    @Test
    void startsAsItsOwnProcessAndAnswersHealthAndPrometheus(Infra infra) throws Exception {
        int port = FreePorts.next();
        try (ServerProcess service = ServiceProcesses.start("dataset-service", DatasetServiceApplication.class.getName(), port,
                infra.serviceEnvironment(), RepositoryLayout.scratch("dataset-service"))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("\"UP\""), health.body());
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "expected JVM metrics in /prometheus");
        }
    }
}
