package io.finetune.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.Augmentation;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.TrainingCommand;
import io.finetune.system.LocalSystem.Service;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two inference replicas behind the gateway (its client balances over both), the whole system as processes on the
 * real Kafka and MinIO: while clients keep predicting through the gateway, a second version of the model is trained
 * and published; both replicas hot-reload it on their own and not one request fails.
 */
@Tag("scale")
@ExtendWith(InfraExtension.class)
class InferenceReplicasHotSwapIT {
    private static final String API_KEY = "replicas-test-key";
    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    private static final String DATASET = "replicas-colours-" + RUN;
    private static final String MODEL = "replicas-colours-" + RUN;
    private static final int CLIENTS = 6;
    private static final Duration AFTER_SWAP = Duration.ofSeconds(5);
    private static final Duration TIMEOUT = Duration.ofMinutes(8);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void bothReplicasHotReloadANewVersionWithoutOneFailedRequestThroughTheGateway(Infra infra) throws Exception {
        try (LocalSystem system = LocalSystem.start(infra, API_KEY, RepositoryLayout.scratch("replicas"), 2)) {
            List<String> replicas = system.inferenceUrls();
            SystemJobs.ingest(http, system, DATASET, Workload.datasetZip(12, 24, 5));
            SystemJobs.trainAndAwait(infra, system, "replicas-v1-" + RUN, job("replicas-v1-" + RUN, 42L), TIMEOUT);
            for (String replica : replicas) {
                await("version 1 active on " + replica).atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                        .ignoreExceptionsInstanceOf(IOException.class).until(() -> "1".equals(active(replica)));
            }
            Map<String, Long> servedBefore = new ConcurrentHashMap<>();
            for (String replica : replicas) {
                servedBefore.put(replica, served(replica));
            }

            String predict = system.url(Service.GATEWAY) + "/api/v1/predict/" + MODEL + "?topK=1";
            AtomicBoolean loading = new AtomicBoolean(true);
            AtomicLong ok = new AtomicLong();
            Map<String, Long> versions = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.execute(() -> {
                    Random random = new Random(client);
                    while (loading.get()) {
                        try {
                            HttpResponse<String> r = post(predict, Workload.png(random.nextInt(2), 24, random));
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                                versions.merge(JSON.readTree(r.body()).path("version").asText(), 1L, Long::sum);
                            } else {
                                failures.add(r.statusCode() + " " + r.body());
                            }
                        } catch (IOException | RuntimeException e) {
                            failures.add(e.toString());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                });
            }
            try {
                SystemJobs.trainAndAwait(infra, system, "replicas-v2-" + RUN, job("replicas-v2-" + RUN, 43L),
                        TIMEOUT);
                for (String replica : replicas) {
                    await("version 2 active on " + replica).atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                            .ignoreExceptionsInstanceOf(IOException.class).until(() -> "2".equals(active(replica)));
                }
                long okAtSwap = ok.get();
                await("load after the swap").atMost(TIMEOUT).pollDelay(AFTER_SWAP)
                        .until(() -> ok.get() > okAtSwap + CLIENTS);
            } finally {
                loading.set(false);
                clients.shutdown();
                clients.awaitTermination(2, TimeUnit.MINUTES);
            }

            List<String> perReplica = new ArrayList<>();
            for (String replica : replicas) {
                long during = served(replica) - servedBefore.get(replica);
                perReplica.add(replica + ": " + during);
                assertTrue(during > 0, () -> replica + " served no prediction through the gateway: " + perReplica);
            }
            System.out.println("two inference replicas behind the gateway, hot swap under load: " + ok.get()
                    + " ok, " + failures.size() + " failed, versions " + versions + ", per replica " + perReplica);
            assertTrue(failures.isEmpty(), () -> "expected no failed request, found " + failures.size() + ": "
                    + failures.stream().limit(5).toList());
            assertTrue(versions.containsKey("1") && versions.containsKey("2"), "both versions answered: " + versions);
            for (String replica : replicas) {
                assertEquals("2", active(replica), replica);
            }
        }
    }

    private static TrainingCommand job(String jobId, long seed) {
        return new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.BASE, MODEL,
                new DatasetRef(DATASET, "latest"), null, "res-cnn",
                new HyperParameters(2, 8, 0.01, 16, Augmentation.NONE, null, null, null, null), seed);
    }

    private String active(String replica) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(replica + "/models/" + MODEL))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode model = r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
        return model.path("activeVersion").asText("");
    }

    /** Successful predictions of the model this replica has answered, from its /prometheus. */
    private long served(String replica) throws IOException, InterruptedException {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(replica + "/prometheus"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("finetune_inference_request_seconds_count{")
                        && l.contains("model=\"" + MODEL + "\"") && l.contains("outcome=\"ok\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private HttpResponse<String> post(String url, byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "image/png")
                .header("X-API-Key", API_KEY).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
