package io.finetune.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.contracts.ObjectLayout;
import io.finetune.ml.ClassScore;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.ModelPackages;
import io.finetune.ml.Prediction;
import io.finetune.storage.StorageUser;
import io.finetune.system.LocalSystem.Service;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;
import io.minio.DownloadObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.Result;
import io.minio.messages.Item;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Publishes the backbones as {@code ./finetune up} does, and checks served answers against the ml module. */
final class BackboneFixture {
    private BackboneFixture() {
    }

    /**
     * Runs the launcher's publication command (its own JVM, trainer-service's classpath) on a weights folder holding
     * {@code backbone} only; returns what it printed.
     */
    static String publish(Infra infra, Path backbone) throws Exception {
        Path weights = RepositoryLayout.scratch("system-weights");
        Path link = weights.resolve(backbone.getFileName());
        if (!Files.exists(link)) {
            Files.createSymbolicLink(link, backbone.toAbsolutePath());
        }
        Path scratch = RepositoryLayout.scratch("system-publish");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx2g", "-cp", LocalSystem.classpath(Service.TRAINER, scratch.resolve("classes")),
                "io.finetune.trainer.backbones.PublishBackbones"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(scratch.resolve("publish.log").toFile());
        Map<String, String> env = pb.environment();
        env.putAll(infra.serviceEnvironment(StorageUser.TRAINER_SERVICE));
        env.put("FINETUNE_WEIGHTS_DIR", weights.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the publication command finished");
        String out = Files.readString(scratch.resolve("publish.log"));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /**
     * The served answer (gateway JSON) equals the prediction of the same package loaded in this JVM: same classes in
     * the same order, probabilities within 1e-5.
     */
    static void assertSameAsInProcess(Infra infra, String model, String version, byte[] image, JsonNode served)
            throws Exception {
        Path dir = RepositoryLayout.scratch("system-parity-" + model + "-" + version);
        String prefix = ObjectLayout.modelVersionPrefix(model, version);
        for (Result<Item> r : infra.minioClient().listObjects(ListObjectsArgs.builder()
                .bucket(ObjectLayout.DEFAULT_BUCKET).prefix(prefix).build())) {
            String file = r.get().objectName().substring(prefix.length());
            if (!file.contains("/") && !file.startsWith(".")) {
                Files.deleteIfExists(dir.resolve(file));
                infra.minioClient().downloadObject(DownloadObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                        .object(r.get().objectName()).filename(dir.resolve(file).toString()).build());
            }
        }
        JsonNode top = served.get("top");
        try (ImageClassifier classifier = ModelPackages.load(dir)) {
            Prediction local = classifier.predict(image, top.size());
            assertEquals(version, served.get("version").asText());
            for (int i = 0; i < top.size(); i++) {
                ClassScore expected = local.top().get(i);
                assertEquals(expected.className(), top.get(i).get("className").asText(), "class " + i);
                assertEquals(expected.probability(), top.get(i).get("probability").asDouble(), 1e-5,
                        "probability of " + expected.className() + " through the gateway");
            }
        }
    }
}
