package io.finetune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker-compose.yml alone and with the GPU override, loaded by the Compose specification's reference loader
 * (compose-go's compose-spec, the loader docker compose itself uses, at the version of deploy/versions.env): schema,
 * merge and consistency as docker compose applies them. Without interpolation: the compose-spec command of this
 * compose-go version drops its environment when it loads a model, so ${VAR:?} would fail for every variable;
 * ComposeFileTest checks that every such variable is documented in .env.example.
 */
class ComposeSpecTest {
    static final Path GPU_OVERRIDE = Yamls.repo("docker-compose.gpu.yml");

    @Test
    void theComposeFileLoads() {
        JsonNode model = load("docker-compose.yml");
        assertEquals(ComposeFileTest.services().keySet(), fieldNames(model.path("services")),
                "services of the loaded model vs docker-compose.yml");
    }

    @Test
    void theGpuOverrideBuildsTheCudaTrainerAndReservesOneNvidiaGpu() {
        JsonNode base = load("docker-compose.yml");
        JsonNode gpu = load("docker-compose.yml", "docker-compose.gpu.yml");
        JsonNode trainer = gpu.path("services").path(FinetuneService.TRAINER.module);
        assertEquals(ComposeFileTest.service(FinetuneService.TRAINER.module).get("image") + "-cuda",
                trainer.path("image").asText(), "the CUDA image tag, as the gpu Kustomize component uses");
        Map<String, String> args = buildArgs(trainer);
        assertEquals("cuda", args.get("MAVEN_PROFILES"), "expected the cuda Maven profile");
        assertTrue(args.getOrDefault("RUNTIME_IMAGE", "").startsWith("nvidia/cuda:11.6"),
                "expected a CUDA 11.6 runtime image (ND4J's CUDA build), found " + args.get("RUNTIME_IMAGE"));
        assertEquals(buildArgs(base.path("services").path(FinetuneService.TRAINER.module)).get("MAIN_CLASS"),
                args.get("MAIN_CLASS"), "the override keeps the base build arguments");
        JsonNode devices = trainer.path("deploy").path("resources").path("reservations").path("devices");
        assertEquals(1, devices.size(), "expected one device reservation, found " + devices);
        assertEquals("nvidia", devices.get(0).path("driver").asText());
        assertEquals(1, devices.get(0).path("count").asInt());
        assertEquals(List.of("gpu"), Yamls.JSON.convertValue(devices.get(0).path("capabilities"), List.class));
        assertTrue(trainer.path("deploy").path("resources").path("limits").has("memory"),
                "the base memory limit survives the merge");
        ObjectNode others = (ObjectNode) gpu.path("services").deepCopy();
        ObjectNode baseOthers = (ObjectNode) base.path("services").deepCopy();
        others.remove(FinetuneService.TRAINER.module);
        baseOthers.remove(FinetuneService.TRAINER.module);
        assertEquals(baseOthers, others, "the override changes nothing but the trainer");
        assertTrue(base.path("services").path(FinetuneService.TRAINER.module).path("deploy").path("resources")
                .path("reservations").isMissingNode(), "the CPU trainer reserves no device");
    }

    /**
     * As docker compose merges them: docker-compose.yml publishes only the gateway and Grafana, and the development
     * override publishes the backends, MinIO and Prometheus on the loopback interface only.
     */
    @Test
    void theDevOverridePublishesTheRestOnLoopbackOnly() {
        JsonNode base = load("docker-compose.yml");
        JsonNode dev = load("docker-compose.yml", "docker-compose.dev.yml");
        java.util.Set<String> publishedByBase = new java.util.TreeSet<>();
        base.path("services").fields().forEachRemaining(e -> {
            if (e.getValue().path("ports").size() > 0) {
                publishedByBase.add(e.getKey());
            }
        });
        assertEquals(ComposeFileTest.PUBLISHED, publishedByBase, "services published by docker-compose.yml");
        java.util.Set<String> onLoopback = new java.util.TreeSet<>();
        dev.path("services").fields().forEachRemaining(e -> {
            if (ComposeFileTest.PUBLISHED.contains(e.getKey())) {
                return;
            }
            for (JsonNode port : e.getValue().path("ports")) {
                assertEquals("127.0.0.1", port.path("host_ip").asText(), e.getKey() + ": expected port "
                        + port.path("published").asText() + " bound to 127.0.0.1, found " + port);
                onLoopback.add(e.getKey());
            }
        });
        java.util.Set<String> expected = new java.util.TreeSet<>(FinetuneService.modules());
        expected.removeAll(ComposeFileTest.PUBLISHED);
        expected.addAll(List.of("minio", "prometheus"));
        assertEquals(expected, onLoopback, "services the development override publishes on 127.0.0.1");
    }

    /** The loader rejects what docker compose rejects, so a green run means something. */
    @Test
    void theLoaderRejectsUnknownFields() throws IOException {
        Path broken = Yamls.repo("deploy-tests").resolve("target/rendered/broken-compose.yml");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, Files.readString(GPU_OVERRIDE).replace("capabilities:", "capabilitys:"));
        AssertionError e = assertThrows(AssertionError.class, () -> load("docker-compose.yml", broken.toString()));
        assertTrue(e.getMessage().contains("capabilitys"), e.getMessage());
    }

    private static JsonNode load(String... files) {
        List<String> command = new java.util.ArrayList<>(List.of(DeployTools.composeSpec().toString(),
                "--no-interpolation", "--format", "json"));
        command.addAll(List.of(files));
        String out = Tools.run(Yamls.repo("."), command.toArray(String[]::new));
        try {
            return Yamls.JSON.readTree(out);
        } catch (IOException e) {
            throw new AssertionError("expected the loaded model as JSON from compose-spec, found:\n" + out, e);
        }
    }

    /** Build arguments in either form the loader writes: a mapping, or a list of KEY=value. */
    private static Map<String, String> buildArgs(JsonNode service) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode args = service.path("build").path("args");
        if (args.isObject()) {
            args.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } else {
            args.forEach(a -> out.put(a.asText().substring(0, a.asText().indexOf('=')),
                    a.asText().substring(a.asText().indexOf('=') + 1)));
        }
        return out;
    }

    private static java.util.Set<String> fieldNames(JsonNode node) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
