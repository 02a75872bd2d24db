package io.finetune.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.ContractCodec;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** The dataset HTTP API as a test calls it: plain HTTP and JSON trees. */
final class DatasetApi {
    static final ObjectMapper JSON = ContractCodec.mapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;

    DatasetApi(String base) {
        this.base = base;
    }

    /** Status and JSON body of a response. */
    record Reply(int status, JsonNode body) {
    }

    Reply importDir(String name, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + "/datasets/" + name + "/import"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Reply upload(String name, Path archive, String query) {
        try {
            return send(HttpRequest.newBuilder(URI.create(base + "/datasets/" + name + (query.isEmpty() ? ""
                            : "?" + query))).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(archive)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    String text(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Follows a 202's status URL until the ingest is no longer running; returns the final view. */
    JsonNode awaitFinished(Reply accepted, Duration timeout) {
        if (accepted.status() != 202) {
            throw new AssertionError("expected 202, found " + accepted.status() + ": " + accepted.body());
        }
        String url = accepted.body().get("statusUrl").asText();
        AtomicReference<JsonNode> last = new AtomicReference<>();
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
            Reply r = get(url);
            last.set(r.body());
            return r.status() == 200 && !r.body().get("state").asText().equals("INGESTING");
        });
        return last.get();
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
