package io.finetune.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.finetune.testkit.RepositoryLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every PromQL expression the project ships: each dashboard panel's queries and each alert rule. */
final class ObservabilityQueries {
    /** One expression and where it comes from ("finetune-training.json / Jobs running / A"). */
    record Query(String where, String panel, String expr) {
        /** The expression with Grafana's variables replaced: rates over {@code window}, every job selected. */
        String resolved(String window) {
            return expr.replace("$__rate_interval", window).replace("$__interval", "15s").replace("$__range", window)
                    .replace("${job}", ".+").replace("$job", ".+");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ObservabilityQueries() {
    }

    static List<Query> dashboardQueries() {
        Path dir = RepositoryLayout.root().resolve("deploy/observability/grafana/dashboards");
        List<Query> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode d = JSON.readTree(f.toFile());
                for (JsonNode panel : d.path("panels")) {
                    String p = f.getFileName() + " / " + panel.path("title").asText();
                    for (JsonNode t : panel.path("targets")) {
                        out.add(new Query(p + " / " + t.path("refId").asText(), p, t.path("expr").asText()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboards in " + dir, e);
        }
        return out;
    }

    static List<Query> alertQueries() {
        Path file = RepositoryLayout.root().resolve("deploy/observability/prometheus/alerts.yml");
        List<Query> out = new ArrayList<>();
        try {
            for (JsonNode group : YAML.readTree(file.toFile()).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    String name = "alert " + rule.path("alert").asText();
                    out.add(new Query(name, name, rule.path("expr").asText()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }
}
