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
 * <p>The three paths are measured <em>interleaved</em>: for each client count, {@code rounds} rounds, each running
 * every path for {@code secondsPerFigure / rounds} seconds in a rotated order, all while the whole system (Kafka,
 * MinIO, the four services) is up. On a shared 2-core machine the noise comes in bursts of a second or so (seen in
 * the per-request timelines this benchmark writes); measured back to back, one path's p99 caught a burst the other
 * missed, and the ratio of two p99s swung between 1.2 and 1.7 from run to run. Interleaved, a burst falls on all
 * paths alike. The table gives each path's p50 and p99 over all its rounds, and the ratio of p99s per round
 * (median and range).
 *
 * <p>Before measuring, the JVMs are warmed at 4 clients (the gateway path for {@code serviceWarmupSeconds}, which
 * warms the inference service too; in-process for a third of it): a service that has just started runs its HTTP path
 * in the interpreter and C1 for thousands of requests (measured here: about 8 ms of gateway CPU per request in the
 * first seconds, 1 ms once compiled), and a long-running deployment is measured warm. Each path's slice of a round
 * starts with {@code warmupSeconds} unmeasured (the queue fills at 16 clients).
 *
 * <p>Args: {@code [secondsPerFigure=15] [warmupSeconds=1] [clients=1,4,16] [serviceWarmupSeconds=60] [rounds=5]}.
 * Prints a markdown table on stdout.
 */
public final class ServingBenchmark {
    private static final String API_KEY = "bench-" + UUID.randomUUID();
    private static final int TOP_K = 5;
    private static final String IN_PROCESS = "in-process `ImageClassifier.predict`";

    private ServingBenchmark() {
    }

    record Figure(String path, int clients, long requests, long failures, double seconds, double p50, double p99,
                  List<Double> roundP99s) {
        double throughput() {
            return requests / seconds;
        }
    }

    record Path3(String name, Call call) {
    }

    @FunctionalInterface
    interface Call {
        boolean run(int client, int n) throws Exception;
    }

    /** What one path collected over its slices of the rounds. */
    static final class Samples {
        final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        final List<Double> roundP99s = new ArrayList<>();
        final AtomicLong failures = new AtomicLong();
        double seconds;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int[] clients = args.length > 2 ? Stream.of(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[]{1, 4, 16};
        int serviceWarmup = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
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
        try (Infra infra = Infra.fromEnvironmentOrStart();
             LocalSystem system = LocalSystem.start(infra, API_KEY, scratch.resolve("system"));
             ImageClassifier classifier = ModelPackages.load(pkg)) {
            BenchModels.publish(infra, pkg, model);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI gateway = URI.create(system.url(LocalSystem.Service.GATEWAY) + "/api/v1/predict/" + model
                    + "?topK=" + TOP_K);
            URI inference = URI.create(system.url(LocalSystem.Service.INFERENCE) + "/predict/" + model + "?topK="
                    + TOP_K);
            BenchModels.awaitServed(http, gateway, API_KEY, photos.get(0));
            Call inProcess = (client, n) -> {
                classifier.predict(photos.get((client + n) % photos.size()), TOP_K);
                return true;
            };
            Call viaGateway = (client, n) -> BenchModels.post(http, gateway, API_KEY,
                    photos.get((client + n) % photos.size()));
            Call direct = (client, n) -> BenchModels.post(http, inference, API_KEY,
                    photos.get((client + n) % photos.size()));
            log("warming the gateway and the inference service for " + serviceWarmup + " s at 4 clients");
            run(4, serviceWarmup, viaGateway, null);
            log("warming in-process predict for " + serviceWarmup / 3 + " s at 4 clients");
            run(4, serviceWarmup / 3, inProcess, null);
            List<Path3> paths = List.of(new Path3(IN_PROCESS, inProcess),
                    new Path3("gateway -> inference service (HTTP)", viaGateway),
                    new Path3("inference service alone (HTTP)", direct));
            for (int c : clients) {
                figures.addAll(measureInterleaved(paths, c, warmup, seconds, rounds));
            }
        }
        System.out.println(table(figures, seconds, warmup, serviceWarmup, rounds));
    }

    /** Each path {@code seconds / rounds} per round, the order rotated every round; figures pooled per path. */
    private static List<Figure> measureInterleaved(List<Path3> paths, int clients, int warmup, int seconds,
                                                   int rounds) throws Exception {
        Map<String, Samples> byPath = new LinkedHashMap<>();
        paths.forEach(p -> byPath.put(p.name(), new Samples()));
        double slice = Math.max(1.0, (double) seconds / rounds);
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < paths.size(); i++) {
                Path3 p = paths.get((i + r) % paths.size());
                Samples samples = byPath.get(p.name());
                int roundNumber = r + 1;
                run(clients, warmup, p.call(), null);
                List<Long> round = Collections.synchronizedList(new ArrayList<>());
                long start = System.nanoTime();
                run(clients, slice, p.call(), (ok, nanos) -> {
                    round.add(nanos);
                    samples.timeline.add(String.format(Locale.ROOT, "%d,%d,%.3f", System.currentTimeMillis(),
                            roundNumber, nanos / 1e6));
                    if (!ok) {
                        samples.failures.incrementAndGet();
                    }
                });
                samples.seconds += (System.nanoTime() - start) / 1e9;
                List<Long> sorted = new ArrayList<>(round);
                Collections.sort(sorted);
                samples.roundP99s.add(pct(sorted, 0.99));
                samples.latencies.addAll(round);
            }
        }
        List<Figure> figures = new ArrayList<>();
        for (Map.Entry<String, Samples> e : byPath.entrySet()) {
            Samples s = e.getValue();
            writeTimeline(e.getKey(), clients, s.timeline);
            List<Long> sorted = new ArrayList<>(s.latencies);
            Collections.sort(sorted);
            Figure f = new Figure(e.getKey(), clients, sorted.size(), s.failures.get(), s.seconds, pct(sorted, 0.5),
                    pct(sorted, 0.99), List.copyOf(s.roundP99s));
            log(String.format(Locale.ROOT, "%s, %d clients: %.1f/s, p50 %.1f ms, p99 %.1f ms, %d failed", f.path(),
                    clients, f.throughput(), f.p50(), f.p99(), f.failures()));
            figures.add(f);
        }
        return figures;
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

    /**
     * Every request of one path (wall-clock ms at its end, its round, latency ms) to
     * {@code <bench.out>/latencies-<path>-<clients>.csv} when the script passes {@code -Dbench.out}, so a tail can be
     * lined up against the services' GC logs.
     */
    private static void writeTimeline(String path, int clients, List<String> timeline) throws IOException {
        String dir = System.getProperty("bench.out");
        if (dir == null) {
            return;
        }
        String slug = path.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("(^-|-$)", "");
        List<String> lines = new ArrayList<>();
        lines.add("end_epoch_ms,round,latency_ms");
        lines.addAll(timeline);
        Files.write(Path.of(dir).resolve("latencies-" + slug + "-" + clients + ".csv"), lines);
    }

    interface Sink {
        void record(boolean ok, long nanos);
    }

    /** Runs {@code clients} loops for {@code seconds} (each loop stops at the deadline). */
    private static void run(int clients, double seconds, Call call, Sink sink) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
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

    private static String table(List<Figure> figures, int seconds, int warmup, int serviceWarmup, int rounds) {
        Map<Integer, Figure> raw = new LinkedHashMap<>();
        for (Figure f : figures) {
            if (f.path().equals(IN_PROCESS)) {
                raw.put(f.clients(), f);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "EfficientNet-Lite0 fine-tuned (224 px, 5 classes), Flower102 `valid` "
                        + "photos (about 500x200 JPEG); JVMs warmed first (services %d s, in-process %d s, 4 clients); "
                        + "the three paths interleaved in %d rounds, %d s per path in all (%d s unmeasured before each "
                        + "slice), the whole system up throughout; %s; %d cores; load average at the end %s; %s%n%n",
                serviceWarmup, serviceWarmup / 3, rounds, seconds, warmup, NativeBackend.describe(),
                Runtime.getRuntime().availableProcessors(), BenchModels.loadAverage(), Instant.now()));
        sb.append("| path | clients | images/s | p50 ms | p99 ms | failed | p99 / in-process p99 "
                + "| per round: median (range) |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Figure f : figures) {
            Figure base = raw.get(f.clients());
            boolean isBase = f.path().equals(IN_PROCESS);
            String ratio = !isBase && base != null ? String.format(Locale.ROOT, "%.2f", f.p99() / base.p99()) : "";
            String perRound = !isBase && base != null ? perRound(f.roundP99s(), base.roundP99s()) : "";
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %d | %s | %s |%n", f.path(),
                    f.clients(), f.throughput(), f.p50(), f.p99(), f.failures(), ratio, perRound));
        }
        return sb.toString();
    }

    /** The ratio of p99s round by round: median and range. */
    static String perRound(List<Double> p99s, List<Double> baseP99s) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(p99s.size(), baseP99s.size()); i++) {
            ratios.add(p99s.get(i) / baseP99s.get(i));
        }
        if (ratios.isEmpty()) {
            return "";
        }
        Collections.sort(ratios);
        int n = ratios.size();
        double median = n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2;
        return String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", median, ratios.get(0), ratios.get(n - 1));
    }

    private static void log(String message) {
        System.err.println(message);
    }
}
