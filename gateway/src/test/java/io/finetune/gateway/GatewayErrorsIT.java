package io.finetune.gateway;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.service.ApiErrors;
import io.finetune.testkit.ErrorBodyChecks;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway's own errors in the one shape, its faults hidden, and its request id handed to the backends. */
@ExtendWith(InfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayErrorsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private StandInBackends backends;
    private EmbeddedServer server;
    private GatewayClient client;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeAll
    void start(Infra infra) throws IOException {
        backends = new StandInBackends();
        Map<String, Object> p = new HashMap<>(infra.serviceProperties());
        p.put("micronaut.server.port", FreePorts.next());
        p.put("endpoints.all.port", FreePorts.next());
        p.put("micronaut.http.services.inference.url", backends.inferenceUrl());
        p.put("micronaut.http.services.dataset.url", backends.datasetUrl());
        p.put("finetune.gateway.api-keys", List.of(GatewayApiIT.KEY));
        p.put(ErrorBodyChecks.FAULT_ROUTE_PROPERTY, "true");
        server = ApplicationContext.run(EmbeddedServer.class, p);
        client = new GatewayClient("http://127.0.0.1:" + server.getPort());
        log.start();
        ((Logger) LoggerFactory.getLogger(ApiErrors.class)).addAppender(log);
    }

    @AfterAll
    void stop() {
        ((Logger) LoggerFactory.getLogger(ApiErrors.class)).detachAppender(log);
        if (server != null) {
            server.close();
        }
        if (backends != null) {
            backends.close();
        }
    }

    @Test
    void unknownRouteAndFaultAnswerTheOneShapeAndTheFaultIsOnlyLogged() throws Exception {
        ErrorBodyChecks.assertUnknownRouteIs404(client.base);
        ErrorBodyChecks.assertFaultIsHiddenAndLogged(client.base, () -> log.list.stream()
                .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
                        : " " + e.getThrowableProxy().getClassName() + ": " + e.getThrowableProxy().getMessage()))
                .collect(Collectors.joining("\n")));
    }

    @Test
    void aRefusedKeyIs401InTheShapeWithTheRequestId() throws Exception {
        HttpResponse<String> r = client.send(client.request("/api/v1/jobs").header("Content-Type", "application/json")
                .header("X-Request-Id", "refused-1").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(401, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("refused-1", body.path("requestId").asText(), r.body());
        assertEquals("refused-1", r.headers().firstValue("X-Request-Id").orElse(null));
        assertEquals("/api/v1/jobs", body.path("path").asText(), r.body());
    }

    @Test
    void theRequestIdFollowsTheRequestToTheBackends() throws Exception {
        HttpResponse<String> datasets = client.send(client.request("/api/v1/datasets").header("X-Request-Id",
                "follow-datasets").GET().build());
        assertEquals(200, datasets.statusCode(), datasets.body());
        assertEquals("follow-datasets", backends.lastHeaders.get("dataset-x-request-id"));
        HttpResponse<String> models = client.send(client.request("/api/v1/models").header("X-Request-Id",
                "follow-models").GET().build());
        assertEquals(200, models.statusCode(), models.body());
        assertEquals("follow-models", backends.lastHeaders.get("x-request-id"));
        assertEquals("follow-models", models.headers().firstValue("X-Request-Id").orElse(null));
    }

    @Test
    void aPredictionWithoutContentTypeIs415SayingWhatIsExpected() throws Exception {
        HttpResponse<String> r = client.send(client.request("/api/v1/predict/flowers").header("X-API-Key",
                GatewayApiIT.KEY).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{1, 2, 3})).build());
        assertEquals(415, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).path("message").asText().contains("found none"), r.body());
    }
}
