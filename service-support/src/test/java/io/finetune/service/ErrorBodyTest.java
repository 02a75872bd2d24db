package io.finetune.service;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.core.annotation.Introspected;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every error a service answers, the framework's own (404, 405, 415, unreadable JSON, a broken field) and its faults,
 * is one JSON shape with the request id, and a fault's text stays in the log under that id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorBodyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedServer server;

    @BeforeAll
    void start() {
        server = ApplicationContext.run(EmbeddedServer.class, Map.of("micronaut.server.port", -1,
                "finetune.storage.initialize-bucket", "false", "error-body-test", "true"));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void unknownRouteIs404InTheOneShapeWithTheRequestIdInBodyAndHeader() throws Exception {
        HttpResponse<String> r = send(request("/nowhere").GET().build());
        JsonNode body = assertShape(r, 404, "Not Found", "/nowhere");
        assertEquals(r.headers().firstValue(RequestIds.HEADER).orElseThrow(), body.get("requestId").asText());
    }

    @Test
    void aValidRequestIdSentIsKeptAndAnInvalidOneReplaced() throws Exception {
        HttpResponse<String> kept = send(request("/nowhere").header(RequestIds.HEADER, "abc-123.x").GET().build());
        assertEquals("abc-123.x", assertShape(kept, 404, "Not Found", "/nowhere").get("requestId").asText());
        assertEquals("abc-123.x", kept.headers().firstValue(RequestIds.HEADER).orElseThrow());
        HttpResponse<String> replaced = send(request("/nowhere").header(RequestIds.HEADER, "x".repeat(200)).GET()
                .build());
        String id = assertShape(replaced, 404, "Not Found", "/nowhere").get("requestId").asText();
        assertNotEquals("x".repeat(200), id);
        assertTrue(id.length() <= 128, id);
    }

    @Test
    void successfulAnswersCarryTheRequestIdToo() throws Exception {
        HttpResponse<String> r = send(request("/errors-test/ok").GET().build());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue(RequestIds.HEADER).isPresent(), r.headers().toString());
    }

    @Test
    void wrongMethodIs405AndWrongContentTypeIs415NamingWhatWasSent() throws Exception {
        assertShape(send(request("/errors-test/ok").DELETE().build()), 405, "Method Not Allowed", "/errors-test/ok");
        JsonNode unsupported = assertShape(send(request("/errors-test/echo").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hi")).build()), 415, "Unsupported Media Type",
                "/errors-test/echo");
        assertTrue(unsupported.get("message").asText().contains("found text/plain"), unsupported.toString());
    }

    @Test
    void unreadableJsonAndBrokenFieldsAre400NamingTheField() throws Exception {
        assertShape(send(json("/errors-test/echo", "{not json")), 400, "Bad Request", "/errors-test/echo");
        for (String single : new String[]{"false", "3", "null", "[]"}) {
            JsonNode notAnObject = assertShape(send(json("/errors-test/echo", single)), 400, "Bad Request",
                    "/errors-test/echo");
            assertFalse(notAnObject.get("message").asText().isBlank(), notAnObject.toString());
        }
        JsonNode blank = assertShape(send(json("/errors-test/echo", "{\"name\":\"\"}")), 400, "Bad Request",
                "/errors-test/echo");
        assertEquals("name", blank.get("fields").get(0).get("field").asText(), blank.toString());
        JsonNode badQuery = assertShape(send(request("/errors-test/ok?count=many").GET().build()), 400,
                "Bad Request", "/errors-test/ok");
        assertTrue(badQuery.get("message").asText().contains("many"), badQuery.toString());
        JsonNode outOfRange = assertShape(send(request("/errors-test/ok?count=0").GET().build()), 400,
                "Bad Request", "/errors-test/ok");
        assertTrue(outOfRange.get("message").asText().contains("count"), outOfRange.toString());
    }

    @Test
    void anHtmlAcceptStillGetsTheJsonShape() throws Exception {
        HttpResponse<String> r = send(request("/nowhere").header("Accept", "text/html").GET().build());
        assertShape(r, 404, "Not Found", "/nowhere");
    }

    @Test
    void aFaultIs500WithTheIdOnlyAndItsTextIsLoggedUnderThatId() throws Exception {
        for (String route : new String[]{"/errors-test/fault", "/errors-test/api-fault"}) {
            ListAppender<ILoggingEvent> log = capture();
            try {
                HttpResponse<String> r = send(request(route).header(RequestIds.HEADER, "fault-" + route.length())
                        .GET().build());
                JsonNode body = assertShape(r, 500, "Internal Server Error", route);
                String id = body.get("requestId").asText();
                assertEquals("internal error; quote request id " + id, body.get("message").asText());
                assertFalse(r.body().contains("secret-detail"), r.body());
                assertTrue(log.list.stream().anyMatch(e -> e.getFormattedMessage().contains(id)
                        && e.getThrowableProxy() != null && (e.getThrowableProxy().getMessage().contains(
                        "secret-detail") || e.getThrowableProxy().getCause() != null && e.getThrowableProxy()
                        .getCause().getMessage().contains("secret-detail"))), "expected the fault logged with " + id
                        + ", found " + log.list);
            } finally {
                release(log);
            }
        }
    }

    @Test
    void a503WrittenForTheCallerKeepsItsMessageAndRetryAfter() throws Exception {
        HttpResponse<String> r = send(request("/errors-test/busy").GET().build());
        JsonNode body = assertShape(r, 503, "Service Unavailable", "/errors-test/busy");
        assertEquals("expected a free slot, found none: retry", body.get("message").asText());
        assertEquals("2", r.headers().firstValue("Retry-After").orElseThrow());
    }

    private JsonNode assertShape(HttpResponse<String> r, int status, String error, String path) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                r.headers().toString());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(status, body.get("status").asInt(), r.body());
        assertEquals(error, body.get("error").asText(), r.body());
        assertFalse(body.get("message").asText().isBlank(), r.body());
        assertEquals(path, body.get("path").asText(), r.body());
        assertEquals(r.headers().firstValue(RequestIds.HEADER).orElse(null), body.get("requestId").asText(),
                r.body());
        return body;
    }

    private static ListAppender<ILoggingEvent> capture() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(ApiErrors.class)).addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(ApiErrors.class)).detachAppender(appender);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path));
    }

    private HttpRequest json(String path, String body) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Introspected
    public record Named(@NotBlank String name) {
    }

    @Controller("/errors-test")
    @Requires(property = "error-body-test")
    public static class ErrorsController {
        @Get("/ok")
        public String ok(@QueryValue(defaultValue = "1") @Min(1) @Max(9) int count) {
            return "ok " + count;
        }

        @Post(value = "/echo", consumes = MediaType.APPLICATION_JSON)
        public Named echo(@Body @Valid Named named) {
            return named;
        }

        @Get("/fault")
        public String fault() {
            throw new IllegalStateException("secret-detail of a fault");
        }

        @Get("/api-fault")
        public String apiFault() {
            throw new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "reading x failed",
                    new java.io.UncheckedIOException(new java.io.IOException("secret-detail of the cause")));
        }

        @Get("/busy")
        public String busy() {
            throw ApiException.busy("expected a free slot, found none: retry", java.time.Duration.ofSeconds(2));
        }
    }
}
