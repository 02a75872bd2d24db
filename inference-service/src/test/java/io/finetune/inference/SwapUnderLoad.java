package io.finetune.inference;

import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;

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

/**
 * Keeps {@code clients} threads predicting on one model of a running inference service while a new version is
 * published, and records every answer: which version answered, every failure, every latency. The load runs at least
 * {@code minLoad}, and until {@code afterSwap} has passed since the new version became active.
 */
final class SwapUnderLoad {
    private final ServiceClient client;
    private final String model;
    private final int clients;
    private final Duration minLoad;
    private final Duration afterSwap;
    private final Duration maxLoad;

    SwapUnderLoad(ServiceClient client, String model, int clients, Duration minLoad, Duration afterSwap,
                  Duration maxLoad) {
        this.client = client;
        this.model = model;
        this.clients = clients;
        this.minLoad = minLoad;
        this.afterSwap = afterSwap;
        this.maxLoad = maxLoad;
    }

    /** A running inference service and its client. */
    record Service(ServerProcess process, ServiceClient client) {
    }

    /**
     * Starts an inference service as its own process serving {@code model}, micro-batching on, the pointer check
     * every 10 minutes (so only the {@code ModelPublished} event can find a new version), and waits until it reads
     * the publish topic.
     */
    static Service startFollowing(Infra infra, String model, String name, Duration readyWithin) throws Exception {
        int port = FreePorts.next();
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
        env.put("FINETUNE_INFERENCE_MODELS", model);
        env.put("FINETUNE_INFERENCE_POINTER_CHECK_INTERVAL", "10m");
        env.put("FINETUNE_INFERENCE_BATCHING_ENABLED", "true");
        env.put("FINETUNE_INFERENCE_WORK_DIR", RepositoryLayout.scratch(name + "-work").toString());
        ServerProcess process = ServiceProcesses.start(name, InferenceApplication.class.getName(), port, env,
                RepositoryLayout.scratch(name));
        ServiceClient client = new ServiceClient(port);
        await("the service reads the publish topic").atMost(readyWithin).until(() ->
                client.get("/health").json().at("/details/models/details/publishTopicPartitions").asInt() > 0);
        return new Service(process, client);
    }

    /** What the clients saw. */
    record Outcome(int clients, double seconds, long ok, List<String> failures, Map<String, Long> versions,
                   List<Long> sortedLatencyNanos) {
        double percentileMillis(double p) {
            List<Long> s = sortedLatencyNanos;
            return s.get(Math.min(s.size() - 1, (int) Math.ceil(p * s.size()) - 1)) / 1e6;
        }

        String summary() {
            return String.format("%d clients, %.1f s, %d requests (%.1f/s), %d failed, versions %s%n"
                            + "  latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f", clients, seconds,
                    sortedLatencyNanos.size(), sortedLatencyNanos.size() / seconds, failures.size(), versions,
                    percentileMillis(0.50), percentileMillis(0.90), percentileMillis(0.99),
                    sortedLatencyNanos.get(sortedLatencyNanos.size() - 1) / 1e6);
        }
    }

    /** A publication step that may throw. */
    interface Publication {
        void run() throws Exception;
    }

    /**
     * Starts the load (PNG images), waits for {@code warmRequests} successful answers, runs {@code publish}, waits until the
     * service reports {@code newVersion} active, keeps the load on as configured and returns what the clients saw.
     */
    Outcome run(List<byte[]> images, long warmRequests, Publication publish, String newVersion) throws Exception {
        Instant start = Instant.now();
        AtomicReference<Instant> swappedAt = new AtomicReference<>();
        AtomicLong ok = new AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Map<String, AtomicLong> versions = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                running.add(pool.submit(() -> {
                    int n = 0;
                    while (!loadOver(start, swappedAt.get())) {
                        long t = System.nanoTime();
                        try {
                            ServiceClient.Response r = client.postRaw("/predict/" + model + "?topK=2",
                                    "image/png", images.get((id + n++) % images.size()));
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
            await("load is flowing").atMost(Duration.ofSeconds(90))
                    .until(() -> ok.get() >= warmRequests || !failures.isEmpty());
            publish.run();
            await("version " + newVersion + " is active").atMost(Duration.ofSeconds(120)).until(() ->
                    newVersion.equals(client.get("/models/" + model).json().path("activeVersion").asText()));
            swappedAt.set(Instant.now());
            for (Future<?> f : running) {
                f.get(maxLoad.toSeconds() + 60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        Map<String, Long> counts = new java.util.TreeMap<>();
        versions.forEach((v, n) -> counts.put(v, n.get()));
        return new Outcome(clients, seconds, ok.get(), List.copyOf(failures), counts, sorted);
    }

    private boolean loadOver(Instant start, Instant swappedAt) {
        Duration ran = Duration.between(start, Instant.now());
        if (ran.compareTo(maxLoad) >= 0) {
            return true;
        }
        return ran.compareTo(minLoad) >= 0 && swappedAt != null
                && Duration.between(swappedAt, Instant.now()).compareTo(afterSwap) >= 0;
    }
}
