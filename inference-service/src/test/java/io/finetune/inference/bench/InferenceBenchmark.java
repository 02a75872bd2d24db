package io.finetune.inference.bench;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ObjectLayout;
import io.finetune.inference.ServiceLauncher;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.ModelPackages;
import io.finetune.ml.ModelTrainer;
import io.finetune.ml.NativeBackend;
import io.finetune.ml.TrainedModel;
import io.finetune.ml.TrainingListener;
import io.finetune.ml.TrainingSpec;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.UploadObjectArgs;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Inference benchmark (not a test): single-image latency p50/p99 and throughput at 1, 8 and 32 concurrent clients
 * for seed-cnn at 180 px, through the service over loopback HTTP with and without micro-batching, against the
 * {@code ml} module's raw in-process throughput in the same run (same images, same machine).
 *
 * <p>Args: {@code [secondsPerFigure=20] [warmupSeconds=5] [clients=1,8,32]}. Prints a markdown table on stdout.
 * The model is trained here for one epoch on generated images: only its shape matters for speed.
 */
public final class InferenceBenchmark {
    private static final String MODEL = "bench-seed-cnn";
    private static final int SIZE = 180;
    private static final int CLASSES = 5;

    private InferenceBenchmark() {
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
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[] clients = args.length > 2 ? Stream.of(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[]{1, 8, 32};
        Path scratch = RepositoryLayout.scratch("bench");
        List<byte[]> images = photos(16, new Random(1));
        Path pkg = trainPackage(scratch);
        log("model package " + pkg + ", backend " + NativeBackend.describe());

        List<Figure> figures = new ArrayList<>();
        try (ImageClassifier classifier = ModelPackages.load(pkg)) {
            for (int c : clients) {
                figures.add(measure("ml predict (in-process)", c, warmup, seconds, (client, n) -> {
                    classifier.predict(images.get((client + n) % images.size()), 5);
                    return true;
                }));
            }
            List<byte[]> batch = images.subList(0, 16);
            Figure b = measure("ml predictBatch(16) (in-process)", 1, warmup, seconds, (client, n) -> {
                classifier.predictBatch(batch, 5);
                return true;
            });
            figures.add(new Figure(b.path(), 1, b.requests() * batch.size(), 0, b.seconds(), b.p50(), b.p99()));
        }

        try (Infra infra = Infra.fromEnvironmentOrStart()) {
            upload(infra, pkg);
            for (boolean batching : new boolean[]{false, true}) {
                int port = FreePorts.next();
                Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
                env.put("FINETUNE_INFERENCE_MODELS", MODEL);
                env.put("FINETUNE_INFERENCE_BATCHING_ENABLED", Boolean.toString(batching));
                env.put("FINETUNE_INFERENCE_WORK_DIR", scratch.resolve("work-" + batching).toString());
                try (ServerProcess service = ServiceLauncher.startReady("inference-bench-" + batching, port, env,
                        scratch, Duration.ofMinutes(10))) {
                    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    URI uri = URI.create("http://127.0.0.1:" + port + "/predict/" + MODEL + "?topK=5");
                    String path = "service HTTP" + (batching ? ", micro-batching (8 / 5 ms)" : "");
                    for (int c : clients) {
                        figures.add(measure(path, c, warmup, seconds, (client, n) -> {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                                    .header("Content-Type", "image/jpeg").POST(HttpRequest.BodyPublishers
                                            .ofByteArray(images.get((client + n) % images.size()))).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            return r.statusCode() == 200;
                        }));
                    }
                }
            }
        }
        System.out.println(table(figures, seconds));
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

    /** Runs {@code clients} loops for {@code seconds} (bounded: each loop stops at the deadline). */
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

    private static String table(List<Figure> figures, int seconds) {
        Map<Integer, Double> raw = new LinkedHashMap<>();
        for (Figure f : figures) {
            if (f.path().startsWith("ml predict (")) {
                raw.put(f.clients(), f.throughput());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "seed-cnn, %d px input, %d classes; %d s per figure after warm-up; "
                        + "%s; %d cores; load average at the end %s%n%n", SIZE, CLASSES, seconds,
                NativeBackend.describe(), Runtime.getRuntime().availableProcessors(), loadAverage()));
        sb.append("| path | clients | images/s | p50 ms | p99 ms | failed | service / raw throughput |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Figure f : figures) {
            Double base = raw.get(f.clients());
            String ratio = f.path().startsWith("service") && base != null ? String.format(Locale.ROOT, "%.2f",
                    f.throughput() / base) : "";
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %d | %s |%n", f.path(),
                    f.clients(), f.throughput(), f.p50(), f.p99(), f.failures(), ratio));
        }
        return sb.toString();
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** JPEG "photos" larger than the input size, so decoding and resizing are part of every request. */
    private static List<byte[]> photos(int count, Random random) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            for (int s = 0; s < 40; s++) {
                g.setColor(new Color(random.nextInt(0xffffff)));
                g.fillOval(random.nextInt(320), random.nextInt(240), 20 + random.nextInt(120), 20 + random.nextInt(90));
            }
            g.dispose();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(img, "jpeg", bytes);
            out.add(bytes.toByteArray());
        }
        return out;
    }

    private static Path trainPackage(Path scratch) throws Exception {
        Path data = scratch.resolve("data");
        Random random = new Random(2);
        for (int c = 0; c < CLASSES; c++) {
            Path dir = Files.createDirectories(data.resolve("class-" + c));
            int i = 0;
            for (byte[] photo : photos(6, random)) {
                Files.write(dir.resolve(i++ + ".jpg"), photo);
            }
        }
        ImageDataset dataset = ImageFolders.load(data, 0.2, 0, 3);
        TrainingSpec spec = new TrainingSpec(JobKind.BASE, "seed-cnn", dataset.classes(), SIZE, 1, 8, 1e-3,
                Augmentation.NONE, null, null, null, false, 3);
        Path pkg = scratch.resolve("package");
        try (TrainedModel model = new ModelTrainer().train(spec, dataset, null, null, TrainingListener.NONE)) {
            model.writePackage(pkg, MODEL, "1", null, new DatasetRef("bench", "1"), "bench");
        }
        return pkg;
    }

    /** Package files, manifest.json last, then the latest pointer (the service reads it at start). */
    private static void upload(Infra infra, Path pkg) throws Exception {
        MinioClient minio = infra.minioClient();
        List<Path> files;
        try (Stream<Path> s = Files.list(pkg)) {
            files = new ArrayList<>(s.filter(p -> !p.getFileName().toString().equals(ModelPackages.MANIFEST))
                    .toList());
        }
        files.add(pkg.resolve(ModelPackages.MANIFEST));
        for (Path f : files) {
            minio.uploadObject(UploadObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                    .object(ObjectLayout.modelFile(MODEL, "1", f.getFileName().toString())).filename(f.toString())
                    .build());
        }
        byte[] pointer = ContractCodec.encode(new ModelPointer(ModelPointer.SCHEMA_VERSION, MODEL, "1",
                Instant.now()));
        minio.putObject(PutObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(ObjectLayout
                .modelLatest(MODEL)).stream(new ByteArrayInputStream(pointer), pointer.length, -1).build());
    }

    private static void log(String message) {
        System.err.println(message);
    }
}
