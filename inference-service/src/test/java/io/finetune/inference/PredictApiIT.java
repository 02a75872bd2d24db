package io.finetune.inference;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.ml.Evaluator;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.LabeledImage;
import io.finetune.ml.ModelPackages;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API of a service process serving a model trained and published here, on the real MinIO and Kafka. */
@ExtendWith(InfraExtension.class)
class PredictApiIT {
    private static final String MODEL = "api-cls";
    private static final long MAX_BYTES = 300_000;
    private static final long MAX_PIXELS = 1_000_000;
    private static ServerProcess service;
    private static ServiceClient client;
    private static Path pkg;

    @BeforeAll
    static void start(Infra infra) throws Exception {
        pkg = TestModels.renamed(TestModels.trainedPackage(11), MODEL, "1");
        TestModels.publish(infra, pkg, MODEL, "1");
        int port = FreePorts.next();
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
        env.put("FINETUNE_INFERENCE_MODELS", MODEL);
        env.put("FINETUNE_INFERENCE_MAX_IMAGE_BYTES", Long.toString(MAX_BYTES));
        env.put("FINETUNE_INFERENCE_MAX_IMAGE_PIXELS", Long.toString(MAX_PIXELS));
        env.put("FINETUNE_INFERENCE_MAX_BATCH_IMAGES", "4");
        env.put("FINETUNE_INFERENCE_WORK_DIR", RepositoryLayout.scratch("api-work").toString());
        service = ServiceProcesses.start("inference-api", InferenceApplication.class.getName(), port, env,
                RepositoryLayout.scratch("inference-api"));
        client = new ServiceClient(port);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.stop();
        }
    }

    private static byte[] sample(int cls, long seed) {
        return TinyImages.samplePng(cls, TestModels.CLASSES, TestModels.IMAGE_SIZE, seed);
    }

    /** An ApiError with this status whose message holds every fragment. */
    static void assertApiError(ServiceClient.Response r, int status, String... fragments) {
        assertEquals(status, r.status(), r.body());
        JsonNode error = r.json();
        assertEquals(status, error.get("status").asInt(), r.body());
        for (String f : fragments) {
            assertTrue(error.get("message").asText().contains(f), "expected '" + f + "' in " + r.body());
        }
    }

    @Test
    void rawPngAnswersModelVersionTopKAndTimings() throws Exception {
        ServiceClient.Response r = client.postRaw("/predict/" + MODEL + "?topK=2", "image/png", sample(0, 1));
        assertEquals(200, r.status(), r.body());
        JsonNode json = r.json();
        assertEquals(MODEL, json.get("model").asText());
        assertEquals("1", json.get("version").asText());
        assertEquals(2, json.get("top").size());
        double first = json.get("top").get(0).get("probability").asDouble();
        double second = json.get("top").get(1).get("probability").asDouble();
        assertTrue(first >= second && second >= 0 && first <= 1, r.body());
        assertTrue(json.get("top").get(0).get("className").asText().startsWith("class-"), r.body());
        assertTrue(json.get("preprocessMillis").asDouble() >= 0 && json.get("inferenceMillis").asDouble() >= 0);
    }

    @Test
    void jpegBodyAndMultipartFileAreClassifiedWithDefaultTopK() throws Exception {
        byte[] jpeg = TinyImages.jpeg(TinyImages.image(1, 3, 40, new Random(2)));
        ServiceClient.Response raw = client.postRaw("/predict/" + MODEL, "image/jpeg", jpeg);
        assertEquals(200, raw.status(), raw.body());
        assertEquals(TestModels.CLASSES, raw.json().get("top").size(), "topK 5 is capped at the model's 3 classes");
        ServiceClient.Response multipart = client.postMultipart("/predict/" + MODEL + "?topK=1",
                List.of(Map.entry("photo.jpg", jpeg)));
        assertEquals(200, multipart.status(), multipart.body());
        assertEquals(raw.json().get("top").get(0).get("className"), multipart.json().get("top").get(0)
                .get("className"));
    }

    @Test
    void batchAnswersEveryImageInOrder() throws Exception {
        ServiceClient.Response r = client.postMultipart("/predict/" + MODEL + "/batch?topK=1", List.of(
                Map.entry("a.png", sample(0, 3)), Map.entry("b.png", sample(1, 4)), Map.entry("c.png",
                        sample(2, 5))));
        assertEquals(200, r.status(), r.body());
        JsonNode predictions = r.json().get("predictions");
        assertEquals(3, predictions.size());
        assertEquals("a.png", predictions.get(0).get("part").asText());
        assertEquals("c.png", predictions.get(2).get("part").asText());
        assertEquals(1, predictions.get(1).get("top").size());
        assertEquals("1", r.json().get("version").asText());
    }

    @Test
    void servedProbabilitiesEqualTheMlModulesOnTheSameFiles() throws Exception {
        Path dir = RepositoryLayout.scratch("parity");
        List<LabeledImage> images = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            Path f = dir.resolve(i + ".png");
            Files.write(f, sample(i % 3, 100 + i));
            images.add(new LabeledImage(f, i % 3));
        }
        int correct = 0;
        try (ImageClassifier reference = ModelPackages.load(pkg)) {
            List<String> classes = reference.manifest().classes();
            for (LabeledImage image : images) {
                byte[] bytes = Files.readAllBytes(image.file());
                float[] expected = reference.probabilities(bytes);
                JsonNode top = client.postRaw("/predict/" + MODEL + "?topK=3", "image/png", bytes).json().get("top");
                float[] served = new float[classes.size()];
                for (JsonNode score : top) {
                    served[score.get("index").asInt()] = (float) score.get("probability").asDouble();
                    assertEquals(classes.get(score.get("index").asInt()), score.get("className").asText());
                }
                for (int c = 0; c < served.length; c++) {
                    assertEquals(expected[c], served[c], 1e-5, "class " + c + " of " + image.file() + ": served "
                            + Arrays.toString(served) + " vs ml " + Arrays.toString(expected));
                }
                if (top.get(0).get("index").asInt() == image.label()) {
                    correct++;
                }
            }
            double evaluated = Evaluator.evaluate(reference, images).accuracy();
            assertEquals(evaluated, correct / (double) images.size(), 1e-9,
                    "accuracy from served answers equals the Evaluator's");
        }
    }

    @Test
    void notAnImageIs400() throws Exception {
        assertApiError(client.postRaw("/predict/" + MODEL, "image/png", "just some text".getBytes()), 400,
                "NOT_AN_IMAGE");
    }

    @Test
    void corruptImageIs400() throws Exception {
        byte[] png = TinyImages.png(TinyImages.image(0, 3, 64, new Random(7)));
        for (int i = 60; i < png.length - 40; i++) {
            png[i] = (byte) (i * 31);
        }
        assertApiError(client.postRaw("/predict/" + MODEL, "image/png", png), 400, "CORRUPT_IMAGE");
    }

    @Test
    void truncatedImageIs400() throws Exception {
        byte[] jpeg = TinyImages.jpeg(TinyImages.image(0, 3, 64, new Random(8)));
        assertApiError(client.postRaw("/predict/" + MODEL, "image/jpeg", Arrays.copyOf(jpeg, jpeg.length / 2)), 400,
                "TRUNCATED_IMAGE");
    }

    @Test
    void unsupportedContentTypeIs415() throws Exception {
        assertApiError(client.postRaw("/predict/" + MODEL, "text/plain", sample(0, 9)), 415, "found text/plain");
    }

    @Test
    void unsupportedImageFormatIs415() throws Exception {
        byte[] gif = TinyImages.encode(TinyImages.image(0, 3, 16, new Random(9)), "gif");
        assertApiError(client.postRaw("/predict/" + MODEL, "image/png", gif), 415, "UNSUPPORTED_FORMAT", "GIF");
    }

    @Test
    void emptyBodyIs400() throws Exception {
        assertApiError(client.postRaw("/predict/" + MODEL, "image/png", new byte[0]), 400, "EMPTY_FILE");
    }

    @Test
    void tooManyBytesIs413() throws Exception {
        byte[] big = new byte[(int) MAX_BYTES + 1];
        byte[] png = sample(0, 10);
        System.arraycopy(png, 0, big, 0, png.length);
        assertApiError(client.postRaw("/predict/" + MODEL, "image/png", big), 413, "TOO_LARGE",
                "found " + (MAX_BYTES + 1));
    }

    @Test
    void tooManyPixelsIs413() throws Exception {
        byte[] png = TinyImages.png(new BufferedImage(1200, 1000, BufferedImage.TYPE_INT_RGB));
        assertTrue(png.length < MAX_BYTES);
        assertApiError(client.postRaw("/predict/" + MODEL, "image/png", png), 413, "TOO_MANY_PIXELS",
                "1200x1000");
    }

    @Test
    void unknownModelIs404() throws Exception {
        assertApiError(client.postRaw("/predict/no-such-model", "image/png", sample(0, 11)), 404,
                "found 'no-such-model'", MODEL);
        assertApiError(client.get("/models/no-such-model"), 404, "no-such-model");
    }

    @Test
    void topKOutOfRangeIs400() throws Exception {
        assertApiError(client.postRaw("/predict/" + MODEL + "?topK=0", "image/png", sample(0, 12)), 400,
                "expected topK from 1 to 100, found 0");
        assertApiError(client.postRaw("/predict/" + MODEL + "?topK=101", "image/png", sample(0, 12)), 400,
                "found 101");
        assertApiError(client.postRaw("/predict/" + MODEL + "?topK=many", "image/png", sample(0, 12)), 400,
                "topK");
    }

    @Test
    void badBatchesAre4xxNamingTheImage() throws Exception {
        assertApiError(client.postMultipart("/predict/" + MODEL + "/batch", List.of(
                Map.entry("good.png", sample(0, 13)), Map.entry("bad.png", "nope".getBytes()))), 400,
                "image 2 (bad.png)", "NOT_AN_IMAGE");
        assertApiError(client.postMultipart("/predict/" + MODEL + "/batch", List.of()), 400, "found 0");
        List<Map.Entry<String, byte[]>> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(Map.entry(i + ".png", sample(0, i)));
        }
        assertApiError(client.postMultipart("/predict/" + MODEL + "/batch", five), 413, "expected 1 to 4", "found 5");
        assertApiError(client.postMultipart("/predict/" + MODEL, List.of(Map.entry("a.png", sample(0, 1)),
                Map.entry("b.png", sample(0, 2)))), 400, "exactly one image");
    }

    @Test
    void modelsEndpointShowsActiveVersionLoadTimeAndManifest() throws Exception {
        ServiceClient.Response list = client.get("/models");
        assertEquals(200, list.status(), list.body());
        JsonNode model = list.json().get(0);
        assertEquals(MODEL, model.get("name").asText());
        assertEquals("ACTIVE", model.get("state").asText());
        assertEquals("1", model.get("activeVersion").asText());
        assertTrue(model.hasNonNull("loadedAt"), list.body());
        assertEquals(TestModels.CLASSES, model.get("manifest").get("classes").size());
        assertEquals("seed-cnn", model.get("manifest").get("architecture").asText());
        assertEquals(TestModels.IMAGE_SIZE, model.get("manifest").get("imageSize").asInt());
        ServiceClient.Response one = client.get("/models/" + MODEL);
        assertEquals(200, one.status());
        assertEquals("1", one.json().get("activeVersion").asText());
    }

    @Test
    void prometheusExposesTheAgreedMetricNames() throws Exception {
        client.postRaw("/predict/" + MODEL, "image/png", sample(0, 14));
        client.postRaw("/predict/" + MODEL, "image/png", new byte[0]);
        String metrics = client.get("/prometheus").body();
        for (String expected : List.of(
                "finetune_inference_request_seconds_bucket{model=\"" + MODEL + "\",outcome=\"ok\",version=\"1\"",
                "finetune_inference_request_seconds_count{model=\"" + MODEL + "\",outcome=\"bad_request\",version=\"1\"}",
                "finetune_inference_images_total{model=\"" + MODEL + "\"}",
                "finetune_inference_active_model_version{model=\"" + MODEL + "\"} 1.0",
                "finetune_inference_reloads_total{model=\"" + MODEL + "\",outcome=\"ok\"} 1.0")) {
            assertTrue(metrics.contains(expected), "expected " + expected + " in /prometheus:\n" + grep(metrics));
        }
    }

    private static String grep(String metrics) {
        return String.join("\n", metrics.lines().filter(l -> l.contains("finetune_inference")).limit(40).toList());
    }
}
