package io.finetune.system.bench;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.JobKind;
import io.finetune.ml.FineTuneDefaults;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.ModelPackages;
import io.finetune.ml.ModelTrainer;
import io.finetune.ml.NativeBackend;
import io.finetune.ml.PretrainedModels;
import io.finetune.ml.SharedDatasets;
import io.finetune.ml.SharedWeights;
import io.finetune.ml.TrainedModel;
import io.finetune.ml.TrainingListener;
import io.finetune.ml.TrainingSpec;
import io.finetune.system.LocalSystem;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Serving benchmark (not a test): a fine-tuned ImageNet EfficientNet-Lite0 (224 px, 5 classes) answering single
 * flower photos at 1, 4 and 16 concurrent clients, through the whole public path (gateway, then the inference
 * service, each its own JVM, loopback HTTP, API key checked), through the inference service alone, and in-process
 * (the ml module's {@code ImageClassifier.predict} of the same package, same files, same machine, same run). Every
 * figure counts what a caller waits for: decoding the JPEG, resizing, the network, and for HTTP the hops.
 *
 * <p>Before the first figure of each side, the JVMs are warmed at 4 clients (the gateway path for
 * {@code serviceWarmupSeconds}, which warms the inference service too; in-process for a third of it): a service that
 * has just started runs its HTTP path in the interpreter and C1 for thousands of requests (measured here: about 8 ms
 * of gateway CPU per request in the first seconds, 1 ms once compiled), and a long-running deployment is measured
 * warm.
 *
 * <p>Args: {@code [secondsPerFigure=15] [warmupSeconds=5] [clients=1,4,16] [serviceWarmupSeconds=60]}. Prints a
 * markdown table on stdout.
 */
public final class ServingBenchmark {
    private static final String API_KEY = "bench-" + UUID.randomUUID();
    private static final int TOP_K = 5;

    private ServingBenchmark() {
    }

    record Figure(String path, int clients, long requests, long failures, double seconds, double p50, double p99) {
        double throughput() {
            return requests / seconds;
        }
    }

    @FunctionalInterface
    interface Call {
        boolean run(int client, int n) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[] clients = args.length > 2 ? Stream.of(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[]{1, 4, 16};
        int serviceWarmup = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        Path weights = SharedWeights.backbone("efficientnet-lite0").orElseThrow(() -> new IllegalStateException(
                SharedWeights.absentMessage()));
        Path flowers = SharedDatasets.locate().orElseThrow(() -> new IllegalStateException(
                SharedDatasets.absentMessage()));
        Path scratch = RepositoryLayout.scratch("serving-bench");
        List<byte[]> photos = photos(flowers.resolve("flower102/valid"), 32);
        String model = "bench-lite0-" + Long.toString(System.currentTimeMillis(), 36);
        Path pkg = fineTuned(weights, flowers.resolve("flower5"), scratch, model);
        log("model package " + pkg + ", backend " + NativeBackend.describe());

        List<Figure> figures = new ArrayList<>();
        try (ImageClassifier classifier = ModelPackages.load(pkg)) {
            log("warming in-process predict for " + serviceWarmup / 3 + " s at 4 clients");
            run(4, serviceWarmup / 3, (client, n) -> {
                classifier.predict(photos.get((client + n) % photos.size()), TOP_K);
                return true;
            }, null);
            for (int c : clients) {
                figures.add(measure("in-process `ImageClassifier.predict`", c, warmup, seconds, (client, n) -> {
                    classifier.predict(photos.get((client + n) % photos.size()), TOP_K);
                    return true;
                }));
            }
        }
        try (Infra infra = Infra.fromEnvironmentOrStart();
             LocalSystem system = LocalSystem.start(infra, API_KEY, scratch.resolve("system"))) {
            BenchModels.publish(infra, pkg, model);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI gateway = URI.create(system.url(LocalSystem.Service.GATEWAY) + "/api/v1/predict/" + model
                    + "?topK=" + TOP_K);
            URI inference = URI.create(system.url(LocalSystem.Service.INFERENCE) + "/predict/" + model + "?topK="
                    + TOP_K);
            BenchModels.awaitServed(http, gateway, API_KEY, photos.get(0));
            Call viaGateway = (client, n) -> BenchModels.post(http, gateway, API_KEY,
                    photos.get((client + n) % photos.size()));
            Call direct = (client, n) -> BenchModels.post(http, inference, API_KEY,
                    photos.get((client + n) % photos.size()));
            log("warming the gateway and the inference service for " + serviceWarmup + " s at 4 clients");
            run(4, serviceWarmup, viaGateway, null);
            for (int c : clients) {
                figures.add(measure("gateway -> inference service (HTTP)", c, warmup, seconds, viaGateway));
                figures.add(measure("inference service alone (HTTP)", c, warmup, seconds, direct));
            }
        }
        System.out.println(table(figures, seconds, warmup, serviceWarmup));
    }

    /** The shared backbone with a new 5-class head trained for one epoch on Flower5 (its shape is what matters). */
    private static Path fineTuned(Path weights, Path flower5, Path scratch, String model) throws Exception {
        Path backbone = scratch.resolve("backbone");
        PretrainedModels.importPackage(weights.resolve(SharedWeights.WEIGHTS_FILE), "efficientnet-lite0",
                weights.resolve(SharedWeights.CLASSES_FILE), backbone, "imagenet-efficientnet-lite0", "1",
                PretrainedModels.Origin.UNKNOWN);
        Path few = scratch.resolve("flower5-few");
        for (Path cls : Files.list(flower5).filter(Files::isDirectory).toList()) {
            Files.createDirectories(few.resolve(cls.getFileName()));
            try (Stream<Path> files = Files.list(cls)) {
                for (Path f : files.sorted().limit(8).toList()) {
                    Files.copy(f, few.resolve(cls.getFileName()).resolve(f.getFileName()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        ImageDataset data = ImageFolders.load(few, 0.25, 0, 3);
        TrainingSpec spec = new TrainingSpec(JobKind.FINETUNE, "efficientnet-lite0", data.classes(), 224, 1, 16, 3e-3,
                FineTuneDefaults.BACKBONE_AUGMENTATION, null, null, null, false, 3, 1, 0.1,
                io.finetune.contracts.LearningRateSchedule.COSINE, 1e-3, 0.2);
        Path pkg = scratch.resolve("package");
        try (TrainedModel m = new ModelTrainer().train(spec, data, backbone, null, TrainingListener.NONE)) {
            m.writePackage(pkg, model, "1", new io.finetune.contracts.ModelRef("imagenet-efficientnet-lite0", "1"),
                    new DatasetRef("flower5-few", "1"), "bench");
        }
        return pkg;
    }

    private static List<byte[]> photos(Path valid, int count) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(valid)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(count).toList()) {
                out.add(Files.readAllBytes(f));
            }
        }
        return out;
    }

    private static Figure measure(String path, int clients, int warmup, int seconds, Call call) throws Exception {
        run(clients, warmup, call, null);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong failures = new AtomicLong();
        long start = System.nanoTime();
        run(clients, seconds, call, (ok, nanos) -> {
            latencies.add(nanos);
            if (!ok) {
                failures.incrementAndGet();
            }
        });
        double elapsed = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        Figure f = new Figure(path, clients, sorted.size(), failures.get(), elapsed, pct(sorted, 0.5),
                pct(sorted, 0.99));
        log(String.format(Locale.ROOT, "%s, %d clients: %.1f/s, p50 %.1f ms, p99 %.1f ms, %d failed", path, clients,
                f.throughput(), f.p50(), f.p99(), f.failures()));
        return f;
    }

    interface Sink {
        void record(boolean ok, long nanos);
    }

    /** Runs {@code clients} loops for {@code seconds} (each loop stops at the deadline). */
    private static void run(int clients, int seconds, Call call, Sink sink) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                futures.add(pool.submit(() -> {
                    int n = 0;
                    while (System.nanoTime() < deadline) {
                        long t = System.nanoTime();
                        boolean ok;
                        try {
                            ok = call.run(client, n++);
                        } catch (Exception e) {
                            ok = false;
                        }
                        if (sink != null) {
                            sink.record(ok, System.nanoTime() - t);
                        }
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
    }

    private static double pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    private static String table(List<Figure> figures, int seconds, int warmup, int serviceWarmup) {
        Map<Integer, Figure> raw = new LinkedHashMap<>();
        for (Figure f : figures) {
            if (f.path().startsWith("in-process")) {
                raw.put(f.clients(), f);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "EfficientNet-Lite0 fine-tuned (224 px, 5 classes), Flower102 `valid` "
                        + "photos (about 500x200 JPEG); JVMs warmed first (services %d s, in-process %d s, 4 clients); "
                        + "%d s per figure after %d s of warm-up; %s; %d cores; load average at the end %s; %s%n%n",
                serviceWarmup, serviceWarmup / 3, seconds, warmup, NativeBackend.describe(),
                Runtime.getRuntime().availableProcessors(), BenchModels.loadAverage(), Instant.now()));
        sb.append("| path | clients | images/s | p50 ms | p99 ms | failed | p99 / in-process p99 |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Figure f : figures) {
            Figure base = raw.get(f.clients());
            String ratio = !f.path().startsWith("in-process") && base != null
                    ? String.format(Locale.ROOT, "%.2f", f.p99() / base.p99()) : "";
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %d | %s |%n", f.path(),
                    f.clients(), f.throughput(), f.p50(), f.p99(), f.failures(), ratio));
        }
        return sb.toString();
    }

    private static void log(String message) {
        System.err.println(message);
    }
}
