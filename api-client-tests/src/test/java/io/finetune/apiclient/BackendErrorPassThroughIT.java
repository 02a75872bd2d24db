package io.finetune.apiclient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.system.LocalSystem.Service;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An error a backend answers reaches the caller through the gateway as the backend sent it: same status, same body
 * (not wrapped in a second error), and the request id the caller sent is the one the backend used.
 */
@ExtendWith(RunningSystem.Extension.class)
class BackendErrorPassThroughIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theDatasetServicesErrorPassesThroughUnchangedWithTheCallersRequestId(RunningSystem running)
            throws Exception {
        assertPassedThrough(running, "/api/v1/datasets/no-such-dataset", Service.DATASET,
                "/datasets/no-such-dataset", 404);
    }

    @Test
    void theInferenceServicesErrorPassesThroughUnchangedWithTheCallersRequestId(RunningSystem running)
            throws Exception {
        assertPassedThrough(running, "/api/v1/registry/no-such-model", Service.INFERENCE,
                "/registry/no-such-model", 404);
    }

    private void assertPassedThrough(RunningSystem running, String gatewayPath, Service backend, String backendPath,
                                     int status) throws Exception {
        String id = "pass-through-" + backend.module;
        HttpResponse<String> viaGateway = get(running.gatewayUrl() + gatewayPath, id);
        HttpResponse<String> direct = get(running.system().url(backend) + backendPath, id);
        assertEquals(status, direct.statusCode(), direct.body());
        assertEquals(direct.statusCode(), viaGateway.statusCode(), viaGateway.body());
        JsonNode sent = JSON.readTree(direct.body());
        JsonNode received = JSON.readTree(viaGateway.body());
        assertEquals(sent, received, "the backend's error body, unchanged");
        assertEquals(id, received.path("requestId").asText(), viaGateway.body());
        assertEquals(id, viaGateway.headers().firstValue("X-Request-Id").orElse(null));
    }

    private HttpResponse<String> get(String url, String requestId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("X-Request-Id", requestId)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
