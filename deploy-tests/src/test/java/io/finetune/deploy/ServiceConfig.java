package io.finetune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.testkit.RepositoryLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a service reads: its {@code application.yml} and the configuration properties its compiled code declares
 * ({@code META-INF/spring-configuration-metadata.json}, written by Micronaut's annotation processor for every
 * {@code @ConfigurationProperties}), its own and service-support's. Environment variables are matched the way
 * Micronaut maps them: {@code FINETUNE_STORAGE_ACCESS_KEY} is {@code finetune.storage.access-key}.
 */
final class ServiceConfig {
    /** Framework properties a deployment may set that need not appear in application.yml. */
    private static final Set<String> FRAMEWORK_PROPERTIES = Set.of("micronaut.server.port", "kafka.bootstrap.servers");
    /**
     * Environment read by the image's entrypoint (deploy/docker/Dockerfile) or by the C library (glibc's malloc
     * tuning for the inference service), not by the service.
     */
    static final Set<String> ENTRYPOINT_ENVIRONMENT = Set.of("JAVA_OPTS", "MALLOC_MMAP_THRESHOLD_");
    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");

    final FinetuneService service;
    final Map<String, Object> applicationYml;
    final Set<String> properties;

    private ServiceConfig(FinetuneService service, Map<String, Object> applicationYml, Set<String> properties) {
        this.service = service;
        this.applicationYml = applicationYml;
        this.properties = properties;
    }

    static ServiceConfig of(FinetuneService service) {
        Path root = RepositoryLayout.root();
        Path yml = root.resolve(service.module).resolve("src/main/resources/application.yml");
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", Yamls.snake(yml), flat);
        Set<String> props = new TreeSet<>(flat.keySet());
        // ${NAME:default} placeholders in application.yml are environment variables the service reads as well.
        flat.values().forEach(v -> {
            java.util.regex.Matcher m = PLACEHOLDER.matcher(String.valueOf(v));
            while (m.find()) {
                props.add(m.group(1).toLowerCase(Locale.ROOT).replace('_', '.'));
            }
        });
        props.addAll(FRAMEWORK_PROPERTIES);
        for (String module : List.of(service.module, "service-support")) {
            Path metadata = root.resolve(module).resolve("target/classes/META-INF/spring-configuration-metadata.json");
            if (Files.isRegularFile(metadata)) {
                props.addAll(metadataProperties(metadata));
            } else if (module.equals("service-support")) {
                throw new IllegalStateException("expected " + metadata + " (build service-support first), found none");
            }
        }
        return new ServiceConfig(service, flat, props);
    }

    int port() {
        Object port = applicationYml.get("micronaut.server.port");
        if (!(port instanceof Integer p)) {
            throw new IllegalStateException("expected an integer micronaut.server.port in " + service.module
                    + "/src/main/resources/application.yml, found " + port);
        }
        return p;
    }

    /**
     * Where {@code /health} and {@code /prometheus} answer: {@code endpoints.all.port} (a number, or the default of
     * its {@code ${ENV:default}} placeholder) when the service has a management port of its own, else {@link #port}.
     */
    int managementPort() {
        Object port = applicationYml.get("endpoints.all.port");
        if (port == null) {
            return port();
        }
        if (port instanceof Integer p) {
            return p;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{[A-Z0-9_]+:(\\d+)}").matcher(port.toString());
        if (!m.matches()) {
            throw new IllegalStateException("expected endpoints.all.port in " + service.module + "/src/main/resources/"
                    + "application.yml to be a number or ${ENV:number}, found " + port);
        }
        return Integer.parseInt(m.group(1));
    }

    boolean prometheusEndpointEnabled() {
        return Boolean.TRUE.equals(applicationYml.get("endpoints.prometheus.enabled"))
                && Boolean.FALSE.equals(applicationYml.get("endpoints.prometheus.sensitive"));
    }

    /** Whether the service reads this environment variable (Micronaut's env-to-property mapping). */
    boolean readsEnvironment(String name) {
        if (ENTRYPOINT_ENVIRONMENT.contains(name)) {
            return true;
        }
        return properties.stream().anyMatch(p -> envName(p).equals(name));
    }

    static String envName(String property) {
        return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    private static Set<String> metadataProperties(Path metadata) {
        try {
            JsonNode tree = new ObjectMapper().readTree(metadata.toFile());
            Set<String> names = new TreeSet<>();
            tree.path("properties").forEach(p -> names.add(p.path("name").asText()));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metadata, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, Map<String, Object> out) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, out));
        } else {
            out.put(prefix, node);
        }
    }
}
