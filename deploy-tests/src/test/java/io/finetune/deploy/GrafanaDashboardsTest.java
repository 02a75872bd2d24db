package io.finetune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Grafana dashboards are valid, self-consistent and wired to the provisioned datasource. */
class GrafanaDashboardsTest {
    static final Path DASHBOARDS = Yamls.repo("deploy/observability/grafana/dashboards");
    private static final Set<String> GRAFANA_VARIABLES = Set.of("__rate_interval", "__interval", "__range");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)");

    static List<Path> dashboardFiles() {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError("cannot list " + DASHBOARDS, e);
        }
    }

    @Test
    void theFourDashboardsExistWithUniqueUidsAndTitles() {
        Set<String> uids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        Set<String> expected = Set.of("finetune-training", "finetune-inference", "finetune-pipeline", "finetune-jvm");
        for (Path f : dashboardFiles()) {
            JsonNode d = Yamls.json(f);
            String uid = d.path("uid").asText("");
            assertTrue(uid.matches("[a-z0-9-]{1,40}"), f + ": expected a uid of at most 40 [a-z0-9-], found '" + uid + "'");
            assertTrue(uids.add(uid), f + ": uid " + uid + " is used by another dashboard");
            assertTrue(titles.add(d.path("title").asText()), f + ": title is used by another dashboard");
            assertEquals(uid + ".json", f.getFileName().toString(), "expected the file to be named after its uid");
        }
        assertEquals(expected, uids, "expected the Training, Inference, Pipeline and JVM dashboards");
    }

    @Test
    void everyPanelHasAQueryOnTheProvisionedDatasource() {
        Map<String, Object> datasources = Yamls.snake(
                Yamls.repo("deploy/observability/grafana/provisioning/datasources/prometheus.yml"));
        Map<String, Object> ds = Yamls.map(Yamls.list(datasources.get("datasources"), "datasources").get(0), "datasource");
        String uid = (String) ds.get("uid");
        String type = (String) ds.get("type");
        assertEquals("prometheus", type);
        assertEquals("http://prometheus:9090", ds.get("url"), "expected the compose Prometheus host");
        for (Path f : dashboardFiles()) {
            JsonNode d = Yamls.json(f);
            Set<Integer> ids = new HashSet<>();
            Set<String> variables = new TreeSet<>();
            d.path("templating").path("list").forEach(v -> {
                variables.add(v.path("name").asText());
                if (v.has("datasource")) {
                    assertDatasource(f + " variable " + v.path("name").asText(), v.path("datasource"), uid, type);
                }
            });
            assertTrue(d.path("panels").size() >= 4, f + ": expected at least 4 panels");
            for (JsonNode panel : d.path("panels")) {
                String where = f.getFileName() + " panel '" + panel.path("title").asText() + "'";
                assertTrue(ids.add(panel.path("id").asInt(-1)), where + ": panel id is not unique");
                assertFalse(panel.path("title").asText().isBlank(), where + ": expected a title");
                assertDatasource(where, panel.path("datasource"), uid, type);
                JsonNode targets = panel.path("targets");
                assertTrue(targets.isArray() && !targets.isEmpty(), where + ": expected at least one query, found none");
                Set<String> refIds = new HashSet<>();
                for (JsonNode t : targets) {
                    assertTrue(refIds.add(t.path("refId").asText()), where + ": duplicate refId");
                    String expr = t.path("expr").asText("");
                    assertTrue(!expr.isBlank(), where + ": expected a PromQL expression in target "
                            + t.path("refId").asText() + ", found none");
                    if (t.has("datasource")) {
                        assertDatasource(where, t.path("datasource"), uid, type);
                    }
                    Matcher m = VARIABLE.matcher(expr);
                    while (m.find()) {
                        String name = m.group(1);
                        assertTrue(GRAFANA_VARIABLES.contains(name) || variables.contains(name),
                                where + ": expected $" + name + " to be a template variable or a Grafana built-in, "
                                        + "found neither (variables: " + variables + ")");
                    }
                }
            }
        }
    }

    @Test
    void grafanaProvisioningLoadsTheDashboardsFolderThatComposeMounts() {
        Map<String, Object> providers = Yamls.snake(
                Yamls.repo("deploy/observability/grafana/provisioning/dashboards/finetune.yml"));
        Map<String, Object> provider = Yamls.map(Yamls.list(providers.get("providers"), "providers").get(0), "provider");
        String path = (String) Yamls.map(provider.get("options"), "options").get("path");
        List<Object> volumes = Yamls.list(ComposeFileTest.service("grafana").get("volumes"), "grafana.volumes");
        assertTrue(volumes.contains("./deploy/observability/grafana/dashboards:" + path + ":ro"),
                "expected compose to mount the dashboards at " + path + ", found " + volumes);
        assertTrue(volumes.contains("./deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro"),
                "expected compose to mount the provisioning folder, found " + volumes);
    }

    /** Kustomize cannot read outside k8s/base, so the dashboards there are copies: they must not drift. */
    @Test
    void kubernetesDashboardCopiesAreByteIdentical() throws IOException {
        Path copies = Yamls.repo("k8s/base/grafana-dashboards");
        List<String> originals = new ArrayList<>();
        for (Path f : dashboardFiles()) {
            originals.add(f.getFileName().toString());
            Path copy = copies.resolve(f.getFileName());
            assertTrue(Files.isRegularFile(copy), "expected " + copy + ", found none: "
                    + "cp deploy/observability/grafana/dashboards/*.json k8s/base/grafana-dashboards/");
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(copy)),
                    copy + " differs from " + f + ": cp deploy/observability/grafana/dashboards/*.json "
                            + "k8s/base/grafana-dashboards/");
        }
        try (Stream<Path> files = Files.list(copies)) {
            assertEquals(new TreeSet<>(originals), new TreeSet<>(files.map(p -> p.getFileName().toString()).toList()),
                    "expected k8s/base/grafana-dashboards to hold exactly the dashboards of deploy/observability");
        }
    }

    private static void assertDatasource(String where, JsonNode ref, String uid, String type) {
        assertEquals(uid, ref.path("uid").asText(null), where + ": expected datasource uid '" + uid + "', found "
                + ref);
        assertEquals(type, ref.path("type").asText(null), where + ": expected datasource type '" + type + "'");
    }
}
