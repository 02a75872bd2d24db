package io.finetune.deploy;

import io.finetune.contracts.Topics;
import io.finetune.storage.ProvisionStorage;
import io.finetune.storage.StorageUser;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker-compose.yml agrees with what the services read, with the Prometheus configuration and with Topics. */
class ComposeFileTest {
    static final Path COMPOSE = Yamls.repo("docker-compose.yml");
    private static final Pattern HOST_PORT = Pattern.compile("(?:https?://)?([a-z][a-z0-9-]*):(\\d+)");
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{(\\w+)(:?[-?])?[^}]*}");
    static final Set<String> REQUIRED_SERVICE_ENV = Set.of("KAFKA_BOOTSTRAP_SERVERS");
    /** What a storing service reads to reach its MinIO user; the gateway stores nothing and gets none of it. */
    static final Set<String> STORAGE_ENV = Set.of("FINETUNE_STORAGE_ENDPOINT", "FINETUNE_STORAGE_ACCESS_KEY",
            "FINETUNE_STORAGE_SECRET_KEY", "FINETUNE_STORAGE_BUCKET");
    /** The only services reachable from outside: the API and the dashboards. */
    static final Set<String> PUBLISHED = Set.of("gateway", "grafana");

    static Map<String, Object> services() {
        return Yamls.map(Yamls.snake(COMPOSE).get("services"), "services");
    }

    static Map<String, Object> service(String name) {
        Object s = services().get(name);
        if (s == null) {
            throw new AssertionError("expected a compose service '" + name + "', found only " + services().keySet());
        }
        return Yamls.map(s, "services." + name);
    }

    static Map<String, String> environment(String name) {
        Map<String, String> env = new LinkedHashMap<>();
        Object e = service(name).get("environment");
        Yamls.map(e, name + ".environment").forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    @Test
    void theWholeSystemIsThere() {
        Set<String> expected = new TreeSet<>(FinetuneService.modules());
        expected.addAll(List.of("kafka", "kafka-init", "minio", "storage-init", "prometheus", "grafana"));
        assertEquals(expected, services().keySet());
        assertTrue(((String) service("kafka").get("image")).startsWith("apache/kafka:"), "expected the official image");
        assertEquals("broker,controller", environment("kafka").get("KAFKA_PROCESS_ROLES"), "expected KRaft");
        Set<String> volumes = Yamls.map(Yamls.snake(COMPOSE).get("volumes"), "volumes").keySet();
        assertEquals(Set.of("kafka-data", "minio-data", "prometheus-data", "grafana-data"), volumes);
    }

    @Test
    void eachServiceIsBuiltFromItsModuleAndExposesItsConfiguredPort() {
        for (FinetuneService s : FinetuneService.values()) {
            Map<String, Object> svc = service(s.module);
            int port = ServiceConfig.of(s).port();
            Map<String, Object> build = Yamls.map(svc.get("build"), s.module + ".build");
            assertEquals("deploy/docker/Dockerfile", build.get("dockerfile"));
            assertTrue(Files.isRegularFile(Yamls.repo((String) build.get("context")).resolve("deploy/docker/Dockerfile")));
            Map<String, Object> args = Yamls.map(build.get("args"), s.module + ".build.args");
            assertEquals(s.module, args.get("SERVICE"), s.module + ": build arg SERVICE");
            assertEquals(s.mainClass, args.get("MAIN_CLASS"), s.module + ": build arg MAIN_CLASS");
            Path mainSource = Yamls.repo(s.module).resolve("src/main/java/" + s.mainClass.replace('.', '/') + ".java");
            assertTrue(Files.isRegularFile(mainSource), "expected main class source " + mainSource);
            assertEquals("finetune/" + s.module + ":0.1.0", svc.get("image"), s.module + ": image");
            if (PUBLISHED.contains(s.module)) {
                assertEquals(List.of(port + ":" + port), svc.get("ports"),
                        s.module + ": expected the port of application.yml (" + port + ") published as is");
            }
            List<Object> test = Yamls.list(Yamls.map(svc.get("healthcheck"), "healthcheck").get("test"), "test");
            int management = ServiceConfig.of(s).managementPort();
            assertEquals("http://localhost:" + management + "/health", test.get(test.size() - 1),
                    s.module + ": expected the health check on the management port's /health (the service port's, "
                            + "unless the service has a management port of its own)");
        }
    }

    @Test
    void everyEnvironmentVariableIsOneTheServiceReads() {
        for (FinetuneService s : FinetuneService.values()) {
            ServiceConfig config = ServiceConfig.of(s);
            Map<String, String> env = environment(s.module);
            assertTrue(env.keySet().containsAll(REQUIRED_SERVICE_ENV), s.module + ": expected " + REQUIRED_SERVICE_ENV
                    + ", found " + env.keySet());
            if (s.storageUser().isPresent()) {
                assertTrue(env.keySet().containsAll(STORAGE_ENV), s.module + ": expected " + STORAGE_ENV + ", found "
                        + env.keySet());
            } else {
                assertTrue(env.keySet().stream().noneMatch(n -> n.startsWith("FINETUNE_STORAGE_")), s.module
                        + ": expected no storage configuration (it stores nothing), found " + env.keySet());
            }
            for (String name : env.keySet()) {
                assertTrue(config.readsEnvironment(name), s.module + ": expected " + name + " to map to a property the "
                        + "service reads (application.yml or @ConfigurationProperties), found none among "
                        + config.properties);
            }
        }
        Map<String, String> gateway = environment("gateway");
        assertTrue(gateway.containsKey("FINETUNE_GATEWAY_API_KEYS"), "gateway: expected its API keys");
        // the inference service as a list of URLs: several replicas may be named, the client balances over them
        for (String key : List.of("MICRONAUT_HTTP_SERVICES_INFERENCE_URLS", "MICRONAUT_HTTP_SERVICES_DATASET_URL")) {
            assertTrue(gateway.containsKey(key), "gateway: expected " + key + ", found " + gateway.keySet());
        }
    }

    @Test
    void hostNamesAndPortsInEnvironmentPointAtComposeServices() {
        Map<String, Integer> listening = new LinkedHashMap<>();
        for (FinetuneService s : FinetuneService.values()) {
            listening.put(s.module, ServiceConfig.of(s).port());
        }
        Matcher advertised = HOST_PORT.matcher(environment("kafka").get("KAFKA_ADVERTISED_LISTENERS"));
        assertTrue(advertised.find() && advertised.group(1).equals("kafka"), "expected kafka to advertise kafka:<port>");
        listening.put("kafka", Integer.parseInt(advertised.group(2)));
        assertFalse(String.valueOf(service("minio").get("command")).contains("--address"),
                "expected MinIO's S3 API on its default port 9000");
        listening.put("minio", 9000);
        List<String> checked = new ArrayList<>();
        for (FinetuneService s : FinetuneService.values()) {
            environment(s.module).forEach((name, value) -> {
                Matcher m = HOST_PORT.matcher(value);
                while (m.find()) {
                    String host = m.group(1);
                    int port = Integer.parseInt(m.group(2));
                    assertTrue(listening.containsKey(host), s.module + " " + name + ": expected a compose service "
                            + "host, found '" + host + "'");
                    assertEquals(listening.get(host), port, s.module + " " + name + ": port of " + host);
                    checked.add(s.module + ":" + name);
                }
            });
        }
        assertTrue(checked.size() >= 9, "expected Kafka, MinIO and backend URLs checked, found " + checked);
        assertEquals("http://inference-service:8083", environment("gateway").get("MICRONAUT_HTTP_SERVICES_INFERENCE_URLS"));
    }

    @Test
    void prometheusScrapesTheComposeServices() {
        Map<String, String> targets = PrometheusConfigTest.scrapeTargets(PrometheusConfigTest.DIR
                .resolve("prometheus-compose.yml"));
        for (FinetuneService s : FinetuneService.values()) {
            assertEquals(s.module + ":" + ServiceConfig.of(s).managementPort(), targets.get(s.module),
                    "prometheus target of " + s.module);
        }
        List<Object> volumes = Yamls.list(service("prometheus").get("volumes"), "prometheus.volumes");
        assertTrue(volumes.contains("./deploy/observability/prometheus/prometheus-compose.yml:/etc/prometheus/prometheus.yml:ro"));
        assertTrue(volumes.contains("./deploy/observability/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro"));
    }

    @Test
    void bindMountsExist() {
        services().forEach((name, svc) -> {
            Object volumes = Yamls.map(svc, name).get("volumes");
            if (volumes == null) {
                return;
            }
            for (Object v : Yamls.list(volumes, name + ".volumes")) {
                String source = ((String) v).split(":")[0];
                if (source.startsWith("./")) {
                    assertTrue(Files.exists(Yamls.repo(".").resolve(source)), name + ": expected " + source);
                }
            }
        });
    }

    @Test
    void kafkaInitCreatesExactlyTheContractTopics() {
        String script = String.valueOf(service("kafka-init").get("command"));
        Matcher m = Pattern.compile("for topic in ([^;]+);").matcher(script);
        assertTrue(m.find(), "expected a 'for topic in ...;' loop in kafka-init, found " + script);
        assertEquals(new TreeSet<>(Topics.all()), new TreeSet<>(List.of(m.group(1).trim().split("\\s+"))),
                "kafka-init topics vs io.finetune.contracts.Topics.all()");
        assertTrue(script.contains("--partitions 3"));
    }

    /** Every ${VAR} without a default is documented in .env.example, and no secret value is committed. */
    @Test
    void credentialsComeFromTheEnvFile() throws IOException {
        String compose = Files.readString(COMPOSE);
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(Yamls.repo(".env.example"))) {
            if (line.matches("[A-Z_]+=.*")) {
                documented.add(line.substring(0, line.indexOf('=')));
            }
        }
        Matcher m = INTERPOLATION.matcher(compose);
        Set<String> used = new TreeSet<>();
        while (m.find()) {
            used.add(m.group(1));
            if (!":-".equals(m.group(2))) {
                assertTrue(documented.contains(m.group(1)), "expected " + m.group(1) + " in .env.example");
            }
        }
        assertTrue(used.containsAll(Set.of("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "FINETUNE_GATEWAY_API_KEYS",
                "GRAFANA_ADMIN_PASSWORD")), "expected credentials from .env, found " + used);
        for (FinetuneService s : FinetuneService.values()) {
            Map<String, String> env = environment(s.module);
            s.storageUser().ifPresent(user -> {
                assertTrue(env.get("FINETUNE_STORAGE_ACCESS_KEY").startsWith("${" + user.accessKeyVariable() + ":"),
                        s.module + ": expected its own user's access key ${" + user.accessKeyVariable() + "}");
                assertTrue(env.get("FINETUNE_STORAGE_SECRET_KEY").startsWith("${" + user.secretKeyVariable() + ":"),
                        s.module + ": expected its own user's secret ${" + user.secretKeyVariable() + "}");
            });
        }
        assertFalse(Files.exists(Yamls.repo(".").resolve(".env")) && isTracked(".env"), ".env must not be committed");
    }

    /** Nothing but the gateway and Grafana is published; docker-compose.dev.yml adds the rest on 127.0.0.1 only. */
    @Test
    void onlyTheGatewayAndGrafanaArePublished() {
        Set<String> published = new TreeSet<>();
        services().forEach((name, svc) -> {
            if (Yamls.map(svc, name).get("ports") != null) {
                published.add(name);
            }
        });
        assertEquals(new TreeSet<>(PUBLISHED), published, "compose services with published ports");
    }

    /**
     * storage-init creates every service's MinIO user before any service starts, from the same .env variables the
     * services read; only MinIO and storage-init see the root credentials.
     */
    @Test
    void storageInitProvisionsEveryServiceUserAndAloneSeesTheRootCredentials() {
        Map<String, Object> init = service("storage-init");
        Map<String, Object> args = Yamls.map(Yamls.map(init.get("build"), "storage-init.build").get("args"), "args");
        assertEquals("storage-admin", args.get("SERVICE"));
        assertEquals(ProvisionStorage.class.getName(), args.get("MAIN_CLASS"));
        Map<String, String> env = environment("storage-init");
        for (String root : List.of("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")) {
            assertEquals(environment("minio").get(root), env.get(root), "storage-init " + root + " vs minio's");
        }
        for (StorageUser user : StorageUser.values()) {
            for (String variable : List.of(user.accessKeyVariable(), user.secretKeyVariable())) {
                assertTrue(env.getOrDefault(variable, "").startsWith("${" + variable + ":"), "storage-init: expected "
                        + variable + " from .env, found " + env.get(variable));
            }
        }
        for (FinetuneService s : FinetuneService.values()) {
            Map<String, Object> depends = Yamls.map(service(s.module).get("depends_on"), s.module + ".depends_on");
            if (s.storageUser().isPresent()) {
                assertEquals(Map.of("condition", "service_completed_successfully"), depends.get("storage-init"),
                        s.module + ": expected to start after storage-init");
            }
        }
        services().forEach((name, svc) -> {
            if (!name.equals("minio") && !name.equals("storage-init")) {
                String text = String.valueOf(svc);
                assertFalse(text.contains("MINIO_ROOT_"), name + ": expected no root credentials, found " + text);
            }
        });
    }

    /** The Docker build context (deploy/docker/Dockerfile.dockerignore, which BuildKit reads) holds no secrets. */
    @Test
    void theBuildContextLeavesOutSecretsAndLocalState() throws IOException {
        Set<String> patterns = new TreeSet<>();
        for (String line : Files.readAllLines(Yamls.repo("deploy/docker/Dockerfile.dockerignore"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                patterns.add(line.strip());
            }
        }
        for (String required : List.of("**/.env", "**/.env.*", ".local", "**/target", ".git", "demo-report")) {
            assertTrue(patterns.contains(required), "Dockerfile.dockerignore: expected '" + required + "', found "
                    + patterns);
        }
        assertTrue(patterns.stream().noneMatch(p -> p.startsWith("!")), "no exceptions that re-include files: "
                + patterns);
    }

    private static boolean isTracked(String path) {
        return !Tools.run(Yamls.repo("."), "git", "ls-files", path).isBlank();
    }
}
