package io.finetune.inference;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPublished;
import io.finetune.ml.ModelPackages;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot reload on the real MinIO and Kafka, with the service as its own process (micro-batching on, so the batcher's
 * hand-over is exercised too): a new version published while 20 clients keep predicting is activated through the
 * {@code ModelPublished} event (the pointer check is set to 10 minutes so it cannot be what finds it) without one
 * failed request; broken versions are refused and the good one keeps serving.
 */
@ExtendWith(InfraExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HotSwapUnderLoadIT {
    private static final String MODEL = "swap-cls";
    private static final int CLIENTS = 20;
    private static final Duration MIN_LOAD = Duration.ofSeconds(30);
    private static final Duration AFTER_SWAP = Duration.ofSeconds(5);
    private static final Duration MAX_LOAD = Duration.ofSeconds(150);
    private static ServerProcess service;
    private static ServiceClient client;
    private static Path v2;

    @BeforeAll
    static void start(Infra infra) throws Exception {
        TestModels.publish(infra, TestModels.renamed(TestModels.trainedPackage(21), MODEL, "1"), MODEL, "1");
        v2 = TestModels.renamed(TestModels.trainedPackage(22), MODEL, "2");
        int port = FreePorts.next();
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment());
        env.put("FINETUNE_INFERENCE_MODELS", MODEL);
        env.put("FINETUNE_INFERENCE_POINTER_CHECK_INTERVAL", "10m");
        env.put("FINETUNE_INFERENCE_BATCHING_ENABLED", "true");
        env.put("FINETUNE_INFERENCE_WORK_DIR", RepositoryLayout.scratch("swap-work").toString());
        service = ServiceProcesses.start("inference-swap", InferenceApplication.class.getName(), port, env,
                RepositoryLayout.scratch("inference-swap"));
        client = new ServiceClient(port);
        await("the service reads the publish topic").atMost(Duration.ofSeconds(60)).until(() ->
                client.get("/health").json().at("/details/models/details/publishTopicPartitions").asInt() > 0);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.stop();
        }
    }

    @Test
    @Order(1)
    void newVersionIsActivatedUnderLoadWithoutOneFailedRequest(Infra infra) throws Exception {
        assertEquals("1", client.get("/models/" + MODEL).json().get("activeVersion").asText());
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            images.add(TinyImages.samplePng(i % 3, 3, 48, 500 + i));
        }
        Instant start = Instant.now();
        AtomicReference<Instant> swappedAt = new AtomicReference<>();
        AtomicLong ok = new AtomicLong();
        Queue failures = new Queue();
        Map<String, AtomicLong> versions = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int id = c;
            clients.add(pool.submit(() -> {
                int n = 0;
                while (!loadOver(start, swappedAt.get())) {
                    long t = System.nanoTime();
                    try {
                        ServiceClient.Response r = client.postRaw("/predict/" + MODEL + "?topK=2", "image/png",
                                images.get((id + n++) % images.size()));
                        latencies.add(System.nanoTime() - t);
                        if (r.status() == 200) {
                            ok.incrementAndGet();
                            versions.computeIfAbsent(r.json().get("version").asText(), v -> new AtomicLong())
                                    .incrementAndGet();
                        } else {
                            failures.add(r.status() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
                return null;
            }));
        }
        await("load is flowing").atMost(Duration.ofSeconds(60)).until(() -> ok.get() >= 50 || !failures.isEmpty());
        TestModels.publish(infra, v2, MODEL, "2");
        await("version 2 is active").atMost(Duration.ofSeconds(120)).until(() ->
                "2".equals(client.get("/models/" + MODEL).json().path("activeVersion").asText()));
        swappedAt.set(Instant.now());
        for (Future<?> f : clients) {
            f.get(MAX_LOAD.toSeconds() + 60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;

        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("hot swap under load: %d clients, %.1f s, %d requests (%.1f/s), %d failed, versions %s%n"
                        + "  latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n", CLIENTS, seconds, sorted.size(),
                sorted.size() / seconds, failures.size(), versions, pct(sorted, 0.50), pct(sorted, 0.90),
                pct(sorted, 0.99), sorted.get(sorted.size() - 1) / 1e6);

        assertTrue(failures.isEmpty(), "expected no failed request, found " + failures.size() + ": "
                + failures.first(5));
        assertTrue(seconds >= MIN_LOAD.toSeconds(), "load ran " + seconds + " s");
        assertTrue(versions.containsKey("1") && versions.containsKey("2"), "both versions answered: " + versions);
        assertEquals(ok.get(), sorted.size());
        assertEquals("2", client.postRaw("/predict/" + MODEL, "image/png", images.get(0)).json().get("version")
                .asText());
        String metrics = client.get("/prometheus").body();
        assertTrue(metrics.contains("finetune_inference_active_model_version{model=\"" + MODEL + "\"} 2.0"), metrics);
        assertTrue(metrics.contains("finetune_inference_reloads_total{model=\"" + MODEL + "\",outcome=\"ok\"} 2.0"),
                metrics);
    }

    @Test
    @Order(2)
    void brokenVersionsAreRefusedAndTheGoodOneKeepsServing(Infra infra) throws Exception {
        String active = client.get("/models/" + MODEL).json().get("activeVersion").asText();
        assertEquals("2", active);
        ModelManifest m = ModelPackages.readManifest(v2);

        Path wrongClasses = TestModels.renamed(v2, MODEL, "3");
        TestModels.writeManifest(wrongClasses, TestModels.withClasses(m, MODEL, "3", TinyImages.classes(4)));
        TestModels.publish(infra, wrongClasses, MODEL, "3");

        Path corrupt = TestModels.renamed(v2, MODEL, "4");
        Path weights = corrupt.resolve(m.modelFile());
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        TestModels.publish(infra, corrupt, MODEL, "4");

        Path misannounced = TestModels.renamed(v2, MODEL, "5");
        TestModels.upload(infra, misannounced, MODEL, "5");
        TestModels.announce(infra, new ModelPublished(ModelPublished.SCHEMA_VERSION, MODEL, "5", Instant.now(),
                "test-job", m.architecture(), 7, m.imageSize(), null, m.datasetFingerprint()));

        await("three refusals").atMost(Duration.ofSeconds(120)).until(() ->
                client.get("/models/" + MODEL).json().get("refusedVersions").size() == 3);
        JsonNode status = client.get("/models/" + MODEL).json();
        System.out.println("after broken versions: " + status);
        assertEquals("[\"3\",\"4\",\"5\"]", status.get("refusedVersions").toString());
        assertEquals("2", status.get("activeVersion").asText());
        assertEquals("ACTIVE", status.get("state").asText());
        assertTrue(status.at("/lastFailure/message").asText().contains("expected 7 classes"), status.toString());
        ServiceClient.Response r = client.postRaw("/predict/" + MODEL, "image/png", TinyImages.samplePng(0, 3, 32, 1));
        assertEquals(200, r.status(), r.body());
        assertEquals("2", r.json().get("version").asText());
        String metrics = client.get("/prometheus").body();
        assertTrue(metrics.contains("finetune_inference_reloads_total{model=\"" + MODEL + "\",outcome=\"failed\"} 3.0"),
                metrics);
        assertTrue(metrics.contains("finetune_inference_active_model_version{model=\"" + MODEL + "\"} 2.0"), metrics);
        assertTrue(Files.readString(service.log()).contains("refused " + MODEL + " version 3"), "refusal is logged");
    }

    private static boolean loadOver(Instant start, Instant swappedAt) {
        Duration ran = Duration.between(start, Instant.now());
        if (ran.compareTo(MAX_LOAD) >= 0) {
            return true;
        }
        return ran.compareTo(MIN_LOAD) >= 0 && swappedAt != null
                && Duration.between(swappedAt, Instant.now()).compareTo(AFTER_SWAP) >= 0;
    }

    private static double pct(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    /** Failures seen by the clients. */
    private static final class Queue {
        private final ConcurrentLinkedQueue<String> items = new ConcurrentLinkedQueue<>();

        void add(String s) {
            items.add(s);
        }

        boolean isEmpty() {
            return items.isEmpty();
        }

        int size() {
            return items.size();
        }

        List<String> first(int n) {
            return items.stream().limit(n).toList();
        }
    }
}
