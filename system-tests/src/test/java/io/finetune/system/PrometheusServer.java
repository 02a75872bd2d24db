package io.finetune.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real Prometheus (Debian's package) as a process, configured from the project's own
 * {@code deploy/observability/prometheus/prometheus.yml} with the targets moved to the ports the services run on, a
 * 1 s scrape interval, and the project's alert rules.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private final int port;
    private final ServerProcess process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(int port, ServerProcess process) {
        this.port = port;
        this.process = process;
    }

    /** @param targets Prometheus job name (as in prometheus.yml) to the {@code host:port} it runs on here */
    public static PrometheusServer start(Map<String, String> targets, Path dir) {
        Path binary = binary();
        int port = FreePorts.next();
        try {
            Files.createDirectories(dir.resolve("data"));
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, YAML.writeValueAsString(configuration(targets, port)));
            ServerProcess process = new ServerProcess("Prometheus", List.of(binary.toString(),
                    "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"), Map.of(),
                    dir.resolve("prometheus.log"));
            PrometheusServer server = new PrometheusServer(port, process);
            process.start().awaitReady(Duration.ofSeconds(60), server::ready);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Prometheus in " + dir, e);
        }
    }

    static Path binary() {
        String env = System.getenv("PROMETHEUS_BIN");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "prometheus");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("expected the Prometheus server binary, found none: install Debian's "
                + "'prometheus' package (./finetune setup does) or set PROMETHEUS_BIN");
    }

    /** The project's prometheus.yml with these targets, a fast scrape, and the rules file by absolute path. */
    static JsonNode configuration(Map<String, String> targets, int selfPort) throws IOException {
        Path dir = RepositoryLayout.root().resolve("deploy/observability/prometheus");
        ObjectNode config = (ObjectNode) YAML.readTree(dir.resolve("prometheus.yml").toFile());
        ObjectNode global = (ObjectNode) config.get("global");
        global.put("scrape_interval", "1s");
        global.put("evaluation_interval", "1s");
        ArrayNode rules = config.putArray("rule_files");
        rules.add(dir.resolve("alerts.yml").toString());
        for (JsonNode job : config.get("scrape_configs")) {
            String name = job.get("job_name").asText();
            String target = name.equals("prometheus") ? "127.0.0.1:" + selfPort : targets.get(name);
            if (target == null) {
                throw new IllegalStateException("prometheus.yml scrapes job '" + name + "', expected one of "
                        + targets.keySet());
            }
            ArrayNode list = ((ObjectNode) job.get("static_configs").get(0)).putArray("targets");
            list.add(target);
        }
        return config;
    }

    private boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** GET {@code /api/v1/<path>?<query>}; the whole JSON answer (also for 4xx: status "error" with the error). */
    public JsonNode api(String path, Map<String, String> query) {
        StringBuilder q = new StringBuilder();
        query.forEach((k, v) -> q.append(q.isEmpty() ? "?" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/" + path + q))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("Prometheus API " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** An instant query: the JSON answer of {@code /api/v1/query}. */
    public JsonNode query(String promql) {
        return api("query", Map.of("query", promql));
    }

    public String logTail() {
        return process.tail();
    }

    @Override
    public void close() {
        process.stop();
    }
}
