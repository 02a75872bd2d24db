package io.finetune.inference;

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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A burst of huge images against a service with a small heap: 32 concurrent 6300 x 6300 PNGs (about 120 KB each,
 * 40 Mpx: 160 MB each if decoded at full size) against a 512 MB heap. Every request is answered (200, 413 or 503
 * with Retry-After), the process keeps running without an out-of-memory error, and a normal request succeeds right
 * after.
 */
@ExtendWith(InfraExtension.class)
class LargeImageBurstIT {
    private static final String MODEL = "burst-cls";
    private static final int CONCURRENT = 32;
    private static ServerProcess service;
    private static ServiceClient client;
    private static int port;

    @BeforeAll
    static void start(Infra infra) throws Exception {
        Path pkg = TestModels.renamed(TestModels.trainedPackage(11), MODEL, "1");
        TestModels.publish(infra, pkg, MODEL, "1");
        port = FreePorts.next();
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
        env.put("FINETUNE_INFERENCE_MODELS", MODEL);
        env.put("FINETUNE_INFERENCE_WORK_DIR", RepositoryLayout.scratch("burst-work").toString());
        service = ServiceProcesses.start("inference-burst", InferenceApplication.class.getName(), port, env,
                RepositoryLayout.scratch("inference-burst"), "-Xmx512m", "-XX:+ExitOnOutOfMemoryError");
        client = new ServiceClient(port);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.stop();
        }
    }

    @Test
    void thirtyTwoConcurrentHugePngsAreAllAnsweredAndTheServiceStaysUp() throws Exception {
        byte[] huge = LargeImages.gradientPng(6300, 6300);
        assertTrue(huge.length < 200_000, "expected a small file, found " + huge.length + " bytes");
        long pid = service.pid();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < CONCURRENT; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predict/"
                            + MODEL)).timeout(Duration.ofSeconds(120)).header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> r = answer.get();
            statuses.merge(r.statusCode(), 1, Integer::sum);
            assertTrue(Set.of(200, 413, 503).contains(r.statusCode()), "expected 200, 413 or 503, found "
                    + r.statusCode() + ": " + r.body());
            if (r.statusCode() == 503) {
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), "a 503 without Retry-After: "
                        + r.body());
            }
        }
        System.out.println("32 concurrent 6300 x 6300 PNGs, answers by status: " + statuses);
        assertEquals(CONCURRENT, statuses.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(statuses.getOrDefault(200, 0) > 0, "expected some huge images to be classified, found "
                + statuses);
        assertTrue(service.isAlive(), "the service died:\n" + service.tail());
        assertEquals(pid, service.pid());
        String log = Files.readString(service.log());
        assertFalse(log.contains("OutOfMemoryError"), "the service ran out of heap:\n" + service.tail());

        ServiceClient.Response normal = client.postRaw("/predict/" + MODEL, "image/png",
                TinyImages.samplePng(0, TestModels.CLASSES, TestModels.IMAGE_SIZE, 3));
        assertEquals(200, normal.status(), normal.body());
    }
}
