package io.finetune.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * Real HTTP servers standing in for the inference and dataset services' agreed APIs, so the gateway's forwarding is
 * tested without depending on those services. The stand-in inference "classifies" by the image's mean colour, which
 * proves the image bytes reached it intact.
 */
final class StandInBackends implements AutoCloseable {
    static final List<String> CLASSES = List.of("rose", "fern", "bluebell");
    /** Two versions of flowers (3 is served), as the inference service's GET /registry/{name} lists them. */
    static final String REGISTRY_FLOWERS = """
            {"name":"flowers","latestVersion":"3","versions":[
             {"version":"2","kind":"BASE","architecture":"seed-cnn","classCount":3,"imageSize":32,
              "dataset":{"name":"flowers","version":"1"},"frozenLayers":[]},
             {"version":"3","kind":"FINETUNE","architecture":"seed-cnn","classCount":3,"imageSize":32,
              "parent":{"name":"backbone","version":"1"},"dataset":{"name":"flowers","version":"2"},
              "test":{"examples":30,"loss":0.4,"accuracy":0.83,"top5Accuracy":1.0,"macroF1":0.82},
              "frozenLayers":["conv1"],"serving":"ACTIVE"}]}""";
    static final String REGISTRY_PETS = """
            {"name":"pets","latestVersion":"1","versions":[{"version":"1","kind":"PRETRAINED",
             "architecture":"seed-cnn","classCount":3,"imageSize":32,"frozenLayers":[],
             "pretrained":{"fileName":"pets.safetensors","sha256":"ab12","licence":"MIT","origin":"stand-in"},
             "serving":"ACTIVE"}]}""";

    final HttpServer inference;
    /** Method and body of the last serving-state request the stand-in inference service received. */
    volatile String lastServingRequest;
    final HttpServer dataset;
    final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    final List<String> datasetPaths = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile CountDownLatch uploadStarted = new CountDownLatch(1);
    volatile long uploadThreshold = Long.MAX_VALUE;

    StandInBackends() throws IOException {
        inference = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        inference.createContext("/", this::inference);
        inference.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        inference.start();
        dataset = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        dataset.createContext("/", this::dataset);
        dataset.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        dataset.start();
    }

    String inferenceUrl() {
        return "http://127.0.0.1:" + inference.getAddress().getPort();
    }

    String datasetUrl() {
        return "http://127.0.0.1:" + dataset.getAddress().getPort();
    }

    private void inference(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        ex.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(), String.join(",", v)));
        if (ex.getRequestMethod().equals("GET") && path.equals("/models")) {
            send(ex, 200, "[{\"name\":\"flowers\",\"version\":\"3\"},{\"name\":\"pets\",\"version\":\"1\"}]");
        } else if (ex.getRequestMethod().equals("GET") && path.equals("/registry")) {
            send(ex, 200, "[" + REGISTRY_FLOWERS + "," + REGISTRY_PETS + "]");
        } else if (ex.getRequestMethod().equals("GET") && path.equals("/registry/flowers")) {
            send(ex, 200, REGISTRY_FLOWERS);
        } else if (ex.getRequestMethod().equals("GET") && path.equals("/models/flowers")) {
            send(ex, 200, "{\"name\":\"flowers\",\"version\":\"3\",\"classes\":[\"rose\",\"fern\",\"bluebell\"]}");
        } else if (path.equals("/models/flowers/serving")
                && (ex.getRequestMethod().equals("PUT") || ex.getRequestMethod().equals("DELETE"))) {
            String body = new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            lastServingRequest = ex.getRequestMethod() + " " + body;
            boolean serve = ex.getRequestMethod().equals("PUT");
            send(ex, 200, "{\"schemaVersion\":1,\"modelName\":\"flowers\",\"serve\":" + serve
                    + ",\"version\":\"latest\",\"source\":\"api\",\"updatedAt\":\"2026-12-02T12:00:00Z\"}");
        } else if (ex.getRequestMethod().equals("PUT") && path.endsWith("/serving")) {
            send(ex, 404, apiError(404, "expected a model in the registry, found no version of 'x'", path));
        } else if (ex.getRequestMethod().equals("POST") && path.startsWith("/predict/")) {
            byte[] body = ex.getRequestBody().readAllBytes();
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(body));
            if (image == null) {
                send(ex, 400, apiError(400, "expected an image, found " + body.length + " bytes of something else",
                        path));
                return;
            }
            String query = ex.getRequestURI().getRawQuery();
            java.util.regex.Matcher version = java.util.regex.Pattern.compile("(?:^|&)version=([0-9]+)")
                    .matcher(query == null ? "" : query);
            send(ex, 200, prediction(path.substring("/predict/".length()), version.find() ? version.group(1) : "3",
                    image));
        } else {
            send(ex, 404, apiError(404, "no model or route " + path, path));
        }
    }

    private static String prediction(String model, String version, BufferedImage image) {
        double[] mean = new double[3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                mean[0] += (rgb >> 16) & 0xff;
                mean[1] += (rgb >> 8) & 0xff;
                mean[2] += rgb & 0xff;
            }
        }
        double sum = 0;
        double[] p = new double[3];
        for (int c = 0; c < 3; c++) {
            p[c] = Math.exp(mean[c] / (image.getWidth() * image.getHeight()) / 40.0);
            sum += p[c];
        }
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2));
        order.sort((a, b) -> Double.compare(p[b], p[a]));
        StringBuilder top = new StringBuilder();
        for (int i : order) {
            top.append(top.isEmpty() ? "" : ",").append(String.format(java.util.Locale.ROOT,
                    "{\"className\":\"%s\",\"index\":%d,\"probability\":%.4f}", CLASSES.get(i), i, p[i] / sum));
        }
        return "{\"model\":\"" + model + "\",\"version\":\"" + version + "\",\"top\":[" + top + "]}";
    }

    private void dataset(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        datasetPaths.add(ex.getRequestMethod() + " " + ex.getRequestURI());
        ex.getRequestHeaders().forEach((k, v) -> lastHeaders.put("dataset-" + k.toLowerCase(), String.join(",", v)));
        if (ex.getRequestMethod().equals("POST") && path.matches("/datasets/[a-z0-9._-]+")) {
            long received = 0;
            byte[] buffer = new byte[65536];
            try (InputStream in = ex.getRequestBody()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received += n;
                    if (received >= uploadThreshold) {
                        uploadStarted.countDown();
                    }
                }
            }
            send(ex, 201, "{\"name\":\"" + path.substring(10) + "\",\"version\":\"1\",\"received\":" + received + "}");
        } else if (ex.getRequestMethod().equals("GET") && path.equals("/datasets")) {
            send(ex, 200, "[{\"name\":\"flowers\",\"versions\":[\"1\",\"2\"]}]");
        } else {
            ex.getRequestBody().readAllBytes();
            send(ex, 404, apiError(404, "no dataset route " + path, path));
        }
    }

    static String apiError(int status, String message, String path) {
        return "{\"status\":" + status + ",\"error\":\"Error\",\"message\":\"" + message + "\",\"path\":\"" + path
                + "\"}";
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        inference.stop(0);
        dataset.stop(0);
    }
}
