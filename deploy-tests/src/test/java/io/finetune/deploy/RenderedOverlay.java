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
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One overlay rendered by {@code kubectl kustomize} and parsed into the fabric8 model. Built-in kinds are parsed
 * strictly: fabric8 keeps unknown fields in {@code additionalProperties}, so any-setters are switched off and an
 * unknown or misspelt field fails. Custom resources (Strimzi, MinIO, Prometheus Operator) stay generic.
 */
final class RenderedOverlay {
    private static final Map<String, RenderedOverlay> CACHE = new ConcurrentHashMap<>();
    private static final Map<String, Class<? extends HasMetadata>> BUILT_IN = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/Service", Service.class,
            "v1/ConfigMap", ConfigMap.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
    static final List<String> CUSTOM = List.of("kafka.strimzi.io/v1beta2/Kafka", "kafka.strimzi.io/v1beta2/KafkaNodePool",
            "kafka.strimzi.io/v1beta2/KafkaTopic", "minio.min.io/v2/Tenant", "monitoring.coreos.com/v1/ServiceMonitor",
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
    final List<HasMetadata> objects;

    private RenderedOverlay(String name, List<HasMetadata> objects) {
        this.name = name;
        this.objects = objects;
    }

    static RenderedOverlay of(String overlay) {
        return CACHE.computeIfAbsent(overlay, RenderedOverlay::render);
    }

    private static RenderedOverlay render(String overlay) {
        java.nio.file.Path kubectl = Tools.require("kubectl", "install kubectl (it renders Kustomize offline)");
        String yaml = Tools.run(Yamls.repo("."), kubectl.toString(), "kustomize", "k8s/overlays/" + overlay);
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode doc : Yamls.documents(yaml)) {
            String type = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
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
        return new RenderedOverlay(overlay, objects);
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
