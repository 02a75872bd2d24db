package io.finetune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

/**
 * Every object of every overlay, validated as a cluster would: built-in kinds strictly (unknown fields rejected)
 * against the Kubernetes schemas of each supported version (kubernetes-validate, which bundles them), the Prometheus
 * Operator's resources against the CRDs of the pinned operator version, Strimzi's against the pinned Strimzi API.
 * Offline: the schemas come from what ./finetune setup installed (deploy/versions.env).
 */
@Tag("slow")
class ManifestSchemaTest {
    private static final Pattern PASSED = Pattern.compile("passed for resource (\\S+) against version");
    private static final Pattern NO_SCHEMA = Pattern.compile(
            "Couldn't find schema for kind (\\S+) with api version (\\S+)");
    private static final Map<String, String> PROMETHEUS_OPERATOR_CRDS = Map.of(
            "ServiceMonitor", "monitoring.coreos.com_servicemonitors.yaml",
            "PrometheusRule", "monitoring.coreos.com_prometheusrules.yaml");

    static List<String> overlays() {
        return RenderedOverlay.names();
    }

    static Stream<Arguments> overlaysOnEveryKubernetesVersion() {
        return overlays().stream().flatMap(o -> DeployTools.kubernetesVersions().stream().map(v -> Arguments.of(o, v)));
    }

    @ParameterizedTest(name = "{0} on Kubernetes {1}")
    @MethodSource("overlaysOnEveryKubernetesVersion")
    void builtInObjectsFitTheKubernetesSchemasStrictly(String overlay, String version) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        String out = kubernetesValidate(r.file(), version);
        Set<String> passed = matches(PASSED, out, m -> m.group(1));
        Set<String> builtIn = new TreeSet<>();
        Set<String> custom = new TreeSet<>();
        for (JsonNode doc : r.documents) {
            if (RenderedOverlay.isBuiltIn(doc)) {
                builtIn.add(doc.path("kind").asText().toLowerCase() + "/" + doc.path("metadata").path("name").asText());
            } else {
                custom.add(RenderedOverlay.type(doc));
            }
        }
        assertEquals(builtIn, passed, overlay + " on " + version
                + ": objects that passed kubernetes-validate --strict");
        assertEquals(custom, matches(NO_SCHEMA, out, m -> m.group(2) + "/" + m.group(1)), overlay + " on " + version
                + ": the kinds without a Kubernetes schema must be exactly the custom resources validated below");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void prometheusOperatorResourcesFitThePinnedOperatorsCrds(String overlay) {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (JsonNode doc : RenderedOverlay.of(overlay).documents) {
            String file = PROMETHEUS_OPERATOR_CRDS.get(doc.path("kind").asText());
            if (file != null && doc.path("apiVersion").asText().startsWith("monitoring.coreos.com/")) {
                CrdSchema.load(DeployTools.prometheusOperatorCrd(file)).problems(doc).forEach(p -> problems.add(
                        doc.path("kind").asText() + " " + doc.path("metadata").path("name").asText() + ": " + p));
                checked++;
            }
        }
        assertEquals(2, checked, overlay + ": expected the ServiceMonitor and the PrometheusRule");
        assertTrue(problems.isEmpty(), overlay + ": against the Prometheus Operator "
                + DeployTools.version("PROMETHEUS_OPERATOR_VERSION") + " CRDs:\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void strimziResourcesFitThePinnedStrimziApi(String overlay) {
        List<String> problems = StrimziModel.problems(RenderedOverlay.of(overlay).documents);
        assertTrue(problems.isEmpty(), overlay + ": against Strimzi " + StrimziModel.apiVersionOfTheModel() + ":\n"
                + String.join("\n", problems));
    }

    @Test
    void theStrimziApiOnTheClasspathIsThePinnedStrimzi() {
        assertEquals(DeployTools.version("STRIMZI_VERSION"), StrimziModel.apiVersionOfTheModel(),
                "deploy-tests/pom.xml strimzi.version vs deploy/versions.env STRIMZI_VERSION");
        Map<String, Set<String>> served = StrimziModel.servedVersions();
        assertTrue(served.get("Kafka").contains("v1") && served.get("KafkaNodePool").contains("v1")
                && served.get("KafkaTopic").contains("v1"), "expected Strimzi to serve kafka.strimzi.io/v1: " + served);
    }

    /** Each validator rejects a broken copy of an object it accepts, so a green run means something. */
    @Test
    void theValidatorsRejectUnknownFieldsAndVersions() throws IOException {
        RenderedOverlay r = RenderedOverlay.of("gpu");
        JsonNode deployment = find(r, "Deployment", "trainer-service");
        ObjectNode misspelt = deployment.deepCopy();
        ((ObjectNode) misspelt.path("spec")).set("strategyy", misspelt.path("spec").path("strategy"));
        Path file = r.file().resolveSibling("broken-deployment.yaml");
        Files.writeString(file, Yamls.JSON.writeValueAsString(misspelt));
        AssertionError rejected = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> kubernetesValidate(file, DeployTools.kubernetesVersions().get(0)));
        assertTrue(rejected.getMessage().contains("'strategyy' was unexpected"), rejected.getMessage());

        JsonNode monitor = find(r, "ServiceMonitor", "finetune-services");
        ObjectNode unknown = monitor.deepCopy();
        ((ObjectNode) unknown.path("spec").path("endpoints").get(0)).put("pathh", "/prometheus");
        List<String> problems = CrdSchema.load(DeployTools.prometheusOperatorCrd(PROMETHEUS_OPERATOR_CRDS
                .get("ServiceMonitor"))).problems(unknown);
        assertTrue(problems.toString().contains("pathh"), "expected the misspelt endpoint field rejected: " + problems);

        JsonNode kafka = find(r, "Kafka", "finetune-kafka");
        ObjectNode removedInV1 = kafka.deepCopy();
        ((ObjectNode) removedInV1.path("spec").path("kafka")).put("replicas", 3);
        assertTrue(StrimziModel.problems(removedInV1).toString().contains("'replicas' is not part of API version v1"),
                "expected spec.kafka.replicas (v1beta2 only) rejected in v1: " + StrimziModel.problems(removedInV1));
        ObjectNode typo = kafka.deepCopy();
        ((ObjectNode) typo.path("spec").path("kafka").path("listeners").get(0)).put("type", "internall");
        assertFalse(StrimziModel.problems(typo).isEmpty(), "expected an unknown listener type rejected");
        ObjectNode oldVersion = kafka.deepCopy();
        oldVersion.put("apiVersion", "kafka.strimzi.io/v1alpha1");
        String unserved = StrimziModel.problems(oldVersion).toString();
        assertTrue(unserved.contains("not v1alpha1"), unserved);
    }

    private static String kubernetesValidate(Path file, String version) {
        return Tools.run(Yamls.repo("."), DeployTools.kubernetesValidate().toString(), "--strict", "-k", version,
                file.toString());
    }

    private static JsonNode find(RenderedOverlay r, String kind, String name) {
        return r.documents.stream().filter(d -> d.path("kind").asText().equals(kind)
                        && d.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(r.name + ": expected " + kind + " " + name + ", found none"));
    }

    private static Set<String> matches(Pattern p, String text, java.util.function.Function<Matcher, String> value) {
        Set<String> out = new TreeSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(value.apply(m));
        }
        return out;
    }
}
