package io.finetune.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.ContractCodec;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The demo's only way into the system: the gateway's public HTTP API. */
public final class GatewayClient {
    private final URI base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = ContractCodec.mapper();

    public GatewayClient(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    public URI base() {
        return base;
    }

    /** Starts a server-side import; answers the status document (with a status URL to poll). */
    public JsonNode importDataset(String name, Path dir, Map<String, Object> options) {
        var body = new java.util.LinkedHashMap<String, Object>(options);
        body.put("path", dir.toAbsolutePath().toString());
        return send(post("/api/v1/datasets/" + name + "/import", body), "import dataset " + name);
    }

    public JsonNode get(String pathOrUrl) {
        URI uri = pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : base.resolve(pathOrUrl);
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET(), "GET " + pathOrUrl);
    }

    public JsonNode submitJob(Map<String, Object> request) {
        return send(post("/api/v1/jobs", request), "submit job " + request.get("jobId"));
    }

    public JsonNode job(String jobId) {
        return get("/api/v1/jobs/" + jobId);
    }

    public JsonNode models() {
        return get("/api/v1/models");
    }

    public JsonNode predict(String model, Path image, int topK) {
        try {
            String type = image.getFileName().toString().toLowerCase().endsWith(".png") ? "image/png" : "image/jpeg";
            var request = HttpRequest.newBuilder(base.resolve("/api/v1/predict/" + model + "?topK=" + topK))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(image)));
            return send(request, "predict " + image.getFileName() + " with " + model);
        } catch (IOException e) {
            throw new DemoException("cannot read " + image + ": " + e.getMessage(), e);
        }
    }

    private HttpRequest.Builder post(String path, Object body) {
        try {
            return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new DemoException("cannot encode the request to " + path, e);
        }
    }

    private JsonNode send(HttpRequest.Builder request, String what) {
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("X-API-Key", apiKey);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new DemoException("the gateway at " + base + " is not reachable (" + what + "): is the system up? "
                    + "Try ./finetune status", e);
        } catch (IOException e) {
            throw new DemoException(what + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoException("interrupted during " + what, e);
        }
        JsonNode body;
        try {
            body = response.body().length == 0 ? json.createObjectNode() : json.readTree(response.body());
        } catch (IOException e) {
            throw new DemoException(what + ": expected a JSON answer, found HTTP " + response.statusCode() + " "
                    + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8), e);
        }
        if (response.statusCode() >= 400) {
            throw new GatewayException(response.statusCode(), what + " was refused: HTTP " + response.statusCode() + ": "
                    + (body.hasNonNull("message") ? body.get("message").asText() : body.toString()));
        }
        return body;
    }
}
