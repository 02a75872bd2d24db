package io.finetune.dataset.bench;

import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Split;
import io.finetune.dataset.DatasetConfiguration;
import io.finetune.dataset.DatasetIngester;
import io.finetune.dataset.ImageProcessor;
import io.finetune.imaging.ImageDecoder;
import io.finetune.imaging.ImageResizer;
import io.finetune.service.ObjectStore;
import io.finetune.dataset.IngestJob;
import io.finetune.dataset.IngestState;
import io.finetune.dataset.IngestTimings;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Ingest throughput for flower5 (not a test): runs the dataset service in-process against real MinIO and Kafka
 * (started by the testkit, or reused from FINETUNE_KAFKA_BOOTSTRAP / FINETUNE_MINIO_ENDPOINT), imports flower5
 * once per storage policy through the HTTP API, and prints images/s and where the time went.
 * Run with {@code bench/dataset-ingest/run.sh}.
 */
public final class IngestBenchmark {
    private IngestBenchmark() {
    }

    /** Images/s of the decoder alone (and optionally resize + JPEG encode) on {@code threads} threads. */
    private static double decodeCeiling(List<Path> files, int threads, int maxSide) throws Exception {
        ImageDecoder decoder = new ImageDecoder();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Path f : files) {
                futures.add(pool.submit(() -> {
                    var img = decoder.decode(Files.readAllBytes(f));
                    if (maxSide > 0) {
                        ImageProcessor.jpeg(ImageResizer.fitWithin(img.rgb(), maxSide));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return files.size() / ((System.nanoTime() - t0) / 1e9);
    }

    /** Objects/s of parallel PUTs of small objects to the same MinIO, without any decoding. */
    private static double uploadCeiling(ObjectStore store, int count, int threads) throws Exception {
        String name = "bench-upload-" + ProcessHandle.current().pid();
        byte[] payload = new byte[5000];
        new Random(1).nextBytes(payload);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = ObjectLayout.datasetImage(name, "1", Split.TRAIN, "x", String.format("%064d", i),
                        "jpg");
                futures.add(pool.submit(() -> store.put(key, payload, "image/jpeg")));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double rate = count / ((System.nanoTime() - t0) / 1e9);
        store.deletePrefix(ObjectLayout.datasetPrefix(name));
        return rate;
    }

    /** MB/s of parallel PUTs of shard-sized objects (what an ingest uploads now), without any decoding. */
    private static double shardUploadCeiling(ObjectStore store, long shardBytes, int count, int threads)
            throws Exception {
        String name = "bench-shards-" + ProcessHandle.current().pid();
        byte[] payload = new byte[(int) shardBytes];
        new Random(2).nextBytes(payload);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = ObjectLayout.datasetShard(name, "1", i);
                futures.add(pool.submit(() -> store.put(key, payload, "application/octet-stream")));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double rate = count * (double) shardBytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
        store.deletePrefix(ObjectLayout.datasetPrefix(name));
        return rate;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    public static void main(String[] args) throws Exception {
        Path flower5 = RepositoryLayout.datasets().map(d -> d.resolve("flower5")).filter(Files::isDirectory)
                .orElseThrow(() -> new IllegalStateException("expected ../shared/datasets/flower5, found nothing"));
        List<String> policies = args.length > 0 ? List.of(args) : List.of("resized:128", "resized:512",
                "originals");
        try (Infra infra = Infra.fromEnvironmentOrStart()) {
            Map<String, Object> props = new HashMap<>(infra.serviceProperties(StorageUser.DATASET_SERVICE));
            props.put("micronaut.server.port", -1);
            props.put("finetune.dataset.import-roots", List.of(flower5.getParent().toString()));
            try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
                DatasetIngester ingester = server.getApplicationContext().getBean(DatasetIngester.class);
                HttpClient http = HttpClient.newHttpClient();
                System.out.printf(Locale.ROOT, "cores=%d decodeThreads=%s uploadThreads=%s%n",
                        Runtime.getRuntime().availableProcessors(),
                        server.getApplicationContext().getProperty("finetune.dataset.decode-threads", String.class)
                                .orElse("cores"),
                        server.getApplicationContext().getProperty("finetune.dataset.upload-threads", String.class)
                                .orElse("8"));
                List<Path> files;
                try (var walk = Files.walk(flower5)) {
                    files = walk.filter(f -> f.toString().endsWith(".jpg")).sorted().toList();
                }
                int threads = Runtime.getRuntime().availableProcessors();
                System.out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
                decodeCeiling(files, threads, 128);
                double decodeOnly = decodeCeiling(files, threads, 0);
                double decodeResize = decodeCeiling(files, threads, 128);
                double decodeResize512 = decodeCeiling(files, threads, 512);
                System.out.printf(Locale.ROOT, "ceiling: decode only %.1f images/s, decode+resize128+encode %.1f "
                        + "images/s, decode+resize512+encode %.1f images/s (%d threads, no storage, after a "
                        + "warm-up pass; load %s)%n", decodeOnly, decodeResize, decodeResize512, threads,
                        loadAverage());
                ObjectStore store = server.getApplicationContext().getBean(ObjectStore.class);
                DatasetConfiguration configuration = server.getApplicationContext()
                        .getBean(DatasetConfiguration.class);
                int uploadThreads = configuration.uploadThreads();
                System.out.printf(Locale.ROOT, "ceiling: upload only %.1f objects/s (5 KB objects, one per image as "
                        + "before shards, %d threads)%n", uploadCeiling(store, files.size(), uploadThreads),
                        uploadThreads);
                System.out.printf(Locale.ROOT, "ceiling: upload only %.1f MB/s (%d KiB shards, %d threads; load "
                        + "%s)%n", shardUploadCeiling(store, configuration.shardBytes(), 24, uploadThreads),
                        configuration.shardBytes() / 1024, uploadThreads, loadAverage());
                int run = 0;
                for (String policy : policies) {
                    String[] p = policy.split(":");
                    int maxSide = p.length > 1 ? Integer.parseInt(p[1]) : 0;
                    // The machine's speed drifts (a shared VM): measure the matching ceiling right before the ingest.
                    double ceiling = decodeCeiling(files, threads, maxSide);
                    System.out.printf(Locale.ROOT, "%-12s ceiling right before: %s %.1f images/s (load %s)%n",
                            policy, maxSide > 0 ? "decode+resize" + maxSide + "+encode" : "decode only", ceiling,
                            loadAverage());
                    String body = "{\"path\":\"flower5\",\"storage\":\"" + p[0] + "\""
                            + (p.length > 1 ? ",\"maxSide\":" + p[1] : "") + "}";
                    String name = "bench-flower5-" + ProcessHandle.current().pid() + "-" + (++run);
                    long t0 = System.nanoTime();
                    double cpu0 = processCpuSeconds();
                    HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + server.getPort() + "/datasets/" + name + "/import"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (accepted.statusCode() != 202) {
                        throw new IllegalStateException("expected 202, found " + accepted.statusCode() + ": "
                                + accepted.body());
                    }
                    double acceptedAfter = (System.nanoTime() - t0) / 1e9;
                    IngestJob job = ingester.job(name, "1").orElseThrow();
                    while (job.state() == IngestState.INGESTING) {
                        Thread.sleep(50);
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    if (job.state() != IngestState.READY) {
                        throw new IllegalStateException(policy + " failed: " + job.error());
                    }
                    double cpu = processCpuSeconds() - cpu0;
                    int images = job.summary().images();
                    IngestTimings.Breakdown b = job.timings().breakdown();
                    int shards = store.list(ObjectLayout.datasetVersionPrefix(name, "1") + "shards/").size();
                    System.out.printf(Locale.ROOT, "%-12s %5d images in %6.1f s = %6.1f images/s | thread-seconds:"
                                    + " read %.1f, decode %.1f, resize+encode %.1f, upload %.1f | %d shards | "
                                    + "JVM CPU %.1f s | load %s%n", policy, images, seconds, images / seconds,
                            b.readSeconds(), b.decodeSeconds(), b.resizeEncodeSeconds(), b.uploadSeconds(), shards,
                            cpu, loadAverage());
                    double decoding = job.timings().phaseSeconds().getOrDefault("decoding", Double.NaN);
                    System.out.printf(Locale.ROOT, "%-12s end to end %.0f%% of that ceiling; decoding phase %.1f "
                                    + "images/s = %.0f%% of it%n", "", 100 * images / seconds / ceiling,
                            images / decoding, 100 * images / decoding / ceiling);
                    StringBuilder phases = new StringBuilder();
                    job.timings().phaseSeconds().forEach((phase, secs) -> {
                        if (!phase.equals("done")) {
                            phases.append(String.format(Locale.ROOT, " %s %.2f s,", phase, secs));
                        }
                    });
                    System.out.printf(Locale.ROOT, "%-12s wall by phase: 202 Accepted after %.2f s (listing,"
                            + " reservation),%s%n", "", acceptedAfter, phases.substring(0, phases.length() - 1));
                }
            }
        }
    }
}
