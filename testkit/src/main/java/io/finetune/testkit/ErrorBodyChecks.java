package io.finetune.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;

/**
 * What every service answers when something is wrong: one JSON shape {@code {status, error, message, path,
 * requestId}} with the request id also in {@code X-Request-Id}; a fault (500) says only "internal error" and the id,
 * and its text is in the service's log under that id. Throws {@link AssertionError} naming what differs.
 */
public final class ErrorBodyChecks {
    /** The route a test registers in a service (enabled by {@link #FAULT_ROUTE_PROPERTY}) that always fails. */
    public static final String FAULT_ROUTE = "/test-only/fault";
    public static final String FAULT_ROUTE_PROPERTY = "finetune.test.fault-route";
    /** The text of the exception the fault route throws: it must reach the log, never the caller. */
    public static final String FAULT_SECRET = "secret-detail-of-a-fault";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ErrorBodyChecks() {
    }

    /**
     * Starts the service as its own process with the fault route enabled and checks both: an unknown route's 404 and
     * the fault's hidden 500, logged under its request id.
     */
    public static void assertServiceAnswersErrorsInTheShape(String name, String mainClass,
                                                            Map<String, String> environment) throws IOException,
            InterruptedException {
        int port = FreePorts.next();
        Map<String, String> env = new HashMap<>(environment);
        env.put("FINETUNE_TEST_FAULT_ROUTE", "true");
        try (ServerProcess service = ServiceProcesses.start(name + "-errors", mainClass, port, env,
                RepositoryLayout.scratch(name))) {
            String base = "http://127.0.0.1:" + port;
            assertUnknownRouteIs404(base);
            assertFaultIsHiddenAndLogged(base, service.log());
        }
    }

    /** An unknown route is a 404 in the shape, carrying the request id the caller sent. */
    public static JsonNode assertUnknownRouteIs404(String baseUrl) throws IOException, InterruptedException {
        String id = "probe-" + UUID.randomUUID();
        HttpResponse<String> r = get(baseUrl + "/no-such-route", id);
        JsonNode body = assertShape(r, 404, "Not Found", "/no-such-route");
        assertEquals(id, body.path("requestId").asText(), "requestId (the X-Request-Id sent)", r);
        return body;
    }

    /**
     * The fault route answers 500 with only "internal error; quote request id X", and the service's log holds that
     * id with the exception's text.
     */
    public static void assertFaultIsHiddenAndLogged(String baseUrl, Path log) throws IOException,
            InterruptedException {
        assertFaultIsHiddenAndLogged(baseUrl, () -> Files.readString(log));
    }

    /** As above, with the log read by {@code log} (an in-process service's captured lines). */
    public static void assertFaultIsHiddenAndLogged(String baseUrl, Callable<String> log) throws IOException,
            InterruptedException {
        String id = "fault-" + UUID.randomUUID();
        HttpResponse<String> r = get(baseUrl + FAULT_ROUTE, id);
        JsonNode body = assertShape(r, 500, "Internal Server Error", FAULT_ROUTE);
        assertEquals("internal error; quote request id " + id, body.path("message").asText(), "message", r);
        if (r.body().contains(FAULT_SECRET)) {
            throw new AssertionError("expected the fault's text only in the log, found it in the answer: " + r.body());
        }
        await("the fault logged with request id " + id).atMost(Duration.ofSeconds(10))
                .until(() -> log.call().lines().anyMatch(l -> l.contains(id)) && log.call().contains(FAULT_SECRET));
    }

    static JsonNode assertShape(HttpResponse<String> r, int status, String error, String path) throws IOException {
        if (r.statusCode() != status) {
            throw new AssertionError("expected " + status + ", found " + r.statusCode() + ": " + r.body());
        }
        if (!r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            throw new AssertionError("expected a JSON error body, found Content-Type "
                    + r.headers().firstValue("Content-Type").orElse("none") + ": " + r.body());
        }
        JsonNode body = JSON.readTree(r.body());
        assertEquals(Integer.toString(status), body.path("status").asText(), "status", r);
        assertEquals(error, body.path("error").asText(), "error", r);
        assertEquals(path, body.path("path").asText(), "path", r);
        if (body.path("message").asText().isBlank()) {
            throw new AssertionError("expected a message, found none: " + r.body());
        }
        assertEquals(r.headers().firstValue("X-Request-Id").orElse("none"), body.path("requestId").asText(),
                "requestId (as in the X-Request-Id header)", r);
        return body;
    }

    private static HttpResponse<String> get(String url, String requestId) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("X-Request-Id", requestId)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertEquals(String expected, String found, String what, HttpResponse<String> r) {
        if (!expected.equals(found)) {
            throw new AssertionError("expected " + what + " '" + expected + "', found '" + found + "' in " + r.body());
        }
    }
}
