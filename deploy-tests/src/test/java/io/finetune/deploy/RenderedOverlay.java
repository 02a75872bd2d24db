package io.finetune.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One overlay of k8s/overlays rendered by {@code kubectl kustomize} and parsed into the fabric8 model. Built-in kinds
 * are parsed strictly: fabric8 keeps unknown fields in {@code additionalProperties}, so any-setters are switched off
 * and an unknown or misspelt field fails. Custom resources stay generic here; {@link ManifestSchemaTest} validates
 * them against their operators' schemas, and every object against the Kubernetes schemas.
 */
final class RenderedOverlay {
    static final Path OVERLAYS = Yamls.repo("k8s/overlays");
    private static final Map<String, RenderedOverlay> CACHE = new ConcurrentHashMap<>();
    private static final Map<String, Class<? extends HasMetadata>> BUILT_IN = Map.of(
            "v1/Service", Service.class,
            "v1/ConfigMap", ConfigMap.class,
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "networking.k8s.io/v1/Ingress", Ingress.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "batch/v1/Job", Job.class);
    static final List<String> CUSTOM = List.of("kafka.strimzi.io/v1/Kafka", "kafka.strimzi.io/v1/KafkaNodePool",
            "kafka.strimzi.io/v1/KafkaTopic", "monitoring.coreos.com/v1/ServiceMonitor",
            "monitoring.coreos.com/v1/PrometheusRule");

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }
            });
    private static final ObjectMapper LENIENT = new ObjectMapper();

    final String name;
    final String yaml;
    final List<JsonNode> documents;
    final List<HasMetadata> objects;

    private RenderedOverlay(String name, String yaml, List<JsonNode> documents, List<HasMetadata> objects) {
        this.name = name;
        this.yaml = yaml;
        this.documents = documents;
        this.objects = objects;
    }

    /** Every folder of k8s/overlays that holds a kustomization.yaml. */
    static List<String> names() {
        try (Stream<Path> dirs = Files.list(OVERLAYS)) {
            List<String> names = dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .map(d -> d.getFileName().toString()).sorted().toList();
            if (names.isEmpty()) {
                throw new AssertionError("expected overlays in " + OVERLAYS + ", found none");
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + OVERLAYS, e);
        }
    }

    static RenderedOverlay of(String overlay) {
        return CACHE.computeIfAbsent(overlay, RenderedOverlay::render);
    }

    private static RenderedOverlay render(String overlay) {
        Path kubectl = Tools.require("kubectl", "install kubectl (it renders Kustomize offline)");
        String yaml = Tools.run(Yamls.repo("."), kubectl.toString(), "kustomize", "k8s/overlays/" + overlay);
        List<JsonNode> documents = Yamls.documents(yaml);
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode doc : documents) {
            String type = type(doc);
            String where = overlay + ": " + type + " " + doc.path("metadata").path("name").asText();
            try {
                if (BUILT_IN.containsKey(type)) {
                    objects.add(STRICT.treeToValue(doc, BUILT_IN.get(type)));
                } else if (CUSTOM.contains(type)) {
                    objects.add(LENIENT.treeToValue(doc, GenericKubernetesResource.class));
                } else {
                    throw new AssertionError(where + ": expected one of " + BUILT_IN.keySet() + " or " + CUSTOM
                            + ", found an unexpected kind");
                }
            } catch (JsonMappingException e) {
                throw new AssertionError(where + ": does not fit the Kubernetes model: " + e.getOriginalMessage()
                        + " at " + e.getPathReference(), e);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError(where + ": " + e.getOriginalMessage(), e);
            }
        }
        return new RenderedOverlay(overlay, yaml, documents, objects);
    }

    /** "apiVersion/kind" of a rendered document. */
    static String type(JsonNode doc) {
        return doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
    }

    static boolean isBuiltIn(JsonNode doc) {
        return BUILT_IN.containsKey(type(doc));
    }

    /** The rendered stream as a file, for the command-line validators. */
    Path file() {
        try {
            Path dir = Yamls.repo("deploy-tests").resolve("target/rendered");
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the rendered " + name + " overlay", e);
        }
    }

    /** The Kustomize components the overlay includes (folder names under k8s/components). */
    List<String> components() {
        Object listed = Yamls.snake(OVERLAYS.resolve(name).resolve("kustomization.yaml")).get("components");
        if (listed == null) {
            return List.of();
        }
        return Yamls.list(listed, name + " components").stream().map(c -> Path.of((String) c).getFileName().toString())
                .toList();
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(this.name + ": expected " + type.getSimpleName() + " " + name
                        + ", found none"));
    }

    List<GenericKubernetesResource> custom(String kind) {
        return all(GenericKubernetesResource.class).stream().filter(g -> g.getKind().equals(kind)).toList();
    }
}
