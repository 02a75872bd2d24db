package io.finetune.system.bench;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.JobKind;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.ModelTrainer;
import io.finetune.ml.NativeBackend;
import io.finetune.ml.SharedDatasets;
import io.finetune.ml.TrainedModel;
import io.finetune.ml.TrainingListener;
import io.finetune.ml.TrainingSpec;
import io.finetune.system.LocalSystem;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the gateway hop costs (not a test): a small model (seed-cnn at 96 px, 5 classes, one epoch on Flower5: the
 * issue's case, a model of a few milliseconds) answering one Flower102 photo, measured by {@code hey} (a Go HTTP load
 * generator, so the client is not a JVM competing for the same JIT and GC) straight against the inference service
 * and through the gateway (API key checked), at 1, 4 and 16 clients, the two paths alternating within each client
 * count, in one run. The JVMs are warmed first ({@code serviceWarmupSeconds} through the gateway at 4 clients). With
 * {@code JFR_DIR} set, the gateway is recorded by Flight Recorder during its 16-client figure.
 *
 * <p>Args: {@code hey [secondsPerFigure=15] [clients=1,4,16] [serviceWarmupSeconds=60]}. Prints a markdown table.
 */
public final class GatewayHopBenchmark {
    private static final String API_KEY = "bench-" + UUID.randomUUID();
    private static final int IMAGE_SIZE = 96;

    private GatewayHopBenchmark() {
    }

    /** @param gatewayCpuMs CPU time the gateway process used per answered request (user + system) */
    record Figure(String path, int clients, double rps, double p50, double p99, long ok, long other,
                  double gatewayCpuMs) {
    }

    public static void main(String[] args) throws Exception {
        String hey = args[0];
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int[] clients = args.length > 2 ? Stream.of(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[]{1, 4, 16};
        int serviceWarmup = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        Path flowers = SharedDatasets.locate().orElseThrow(() -> new IllegalStateException(
                SharedDatasets.absentMessage()));
        Path scratch = RepositoryLayout.scratch("gateway-hop-bench");
        Path photo = scratch.resolve("photo.jpg");
        try (Stream<Path> files = Files.walk(flowers.resolve("flower102/valid"))) {
            Files.copy(files.filter(p -> p.toString().endsWith(".jpg")).sorted().findFirst().orElseThrow(), photo);
        }
        String model = "hop-seed-" + Long.toString(System.currentTimeMillis(), 36);
        Path pkg = trained(flowers.resolve("flower5"), scratch, model);
        List<Figure> figures = new ArrayList<>();
        try (Infra infra = Infra.fromEnvironmentOrStart();
             LocalSystem system = LocalSystem.start(infra, API_KEY, scratch.resolve("system"))) {
            BenchModels.publish(infra, pkg, model);
            String gateway = system.url(LocalSystem.Service.GATEWAY) + "/api/v1/predict/" + model + "?topK=5";
            String direct = system.url(LocalSystem.Service.INFERENCE) + "/predict/" + model + "?topK=5";
            BenchModels.awaitServed(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(),
                    URI.create(gateway), API_KEY, Files.readAllBytes(photo));
            log("warming both JVMs through the gateway for " + serviceWarmup + " s at 4 clients");
            hey(hey, gateway, photo, 4, serviceWarmup);
            hey(hey, direct, photo, 4, Math.max(5, serviceWarmup / 6));
            long gatewayPid = system.process(LocalSystem.Service.GATEWAY).pid();
            for (int c : clients) {
                figures.add(figure("inference service alone", c, hey(hey, direct, photo, c, seconds), 0, 0));
                Path jfr = System.getenv("JFR_DIR") != null && c == clients[clients.length - 1]
                        ? Path.of(System.getenv("JFR_DIR"), "gateway-" + c + "-clients.jfr") : null;
                if (jfr != null) {
                    jcmd(system.process(LocalSystem.Service.GATEWAY).pid(), "JFR.start", "name=hop",
                            "settings=profile", "filename=" + jfr.toAbsolutePath());
                }
                long cpuBefore = cpuMillis(gatewayPid);
                String report = hey(hey, gateway, photo, c, seconds);
                figures.add(figure("gateway -> inference service", c, report, cpuBefore, cpuMillis(gatewayPid)));
                if (jfr != null) {
                    jcmd(system.process(LocalSystem.Service.GATEWAY).pid(), "JFR.stop", "name=hop");
                    log("gateway recording: " + jfr);
                }
            }
        }
        System.out.println(table(figures, seconds, serviceWarmup));
    }

    /** seed-cnn at 96 px, one epoch on 8 photos per Flower5 class: only its shape matters for speed. */
    private static Path trained(Path flower5, Path scratch, String model) throws Exception {
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
        TrainingSpec spec = new TrainingSpec(JobKind.BASE, "seed-cnn", data.classes(), IMAGE_SIZE, 1, 16, 1e-3,
                io.finetune.contracts.Augmentation.NONE, null, null, null, false, 3);
        Path pkg = scratch.resolve("package");
        try (TrainedModel m = new ModelTrainer().train(spec, data, null, null, TrainingListener.NONE)) {
            m.writePackage(pkg, model, "1", null, new DatasetRef("flower5-few", "1"), "bench");
        }
        return pkg;
    }

    /** Runs hey and returns its report. */
    private static String hey(String hey, String url, Path photo, int clients, int seconds) throws Exception {
        Process p = new ProcessBuilder(hey, "-z", seconds + "s", "-c", Integer.toString(clients), "-m", "POST",
                "-T", "image/jpeg", "-H", "X-API-Key: " + API_KEY, "-D", photo.toString(), url)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("hey failed:\n" + out);
        }
        return out;
    }

    private static Figure figure(String path, int clients, String report, long cpuBefore, long cpuAfter) {
        long ok = (long) number(report, "\\[200\\]\\s+([0-9]+) responses");
        long other = otherResponses(report);
        Figure f = new Figure(path, clients, number(report, "Requests/sec:\\s+([0-9.]+)"),
                number(report, "50%+ in ([0-9.]+) secs") * 1000, number(report, "99%+ in ([0-9.]+) secs") * 1000,
                ok, other, cpuAfter > cpuBefore ? (double) (cpuAfter - cpuBefore) / (ok + other) : Double.NaN);
        log(String.format(Locale.ROOT, "%s, %d clients: %.1f/s, p50 %.2f ms, p99 %.2f ms, %d ok, %d other, gateway "
                + "CPU %.2f ms/request", path, clients, f.rps(), f.p50(), f.p99(), f.ok(), f.other(), f.gatewayCpuMs()));
        return f;
    }

    /** User + system CPU time of a process so far, in ms (Linux /proc; clock ticks of 10 ms). */
    private static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    }

    private static double number(String report, String regex) {
        Matcher m = Pattern.compile(regex).matcher(report);
        if (!m.find()) {
            throw new IllegalStateException("expected /" + regex + "/ in hey's report, found:\n" + report);
        }
        return Double.parseDouble(m.group(1));
    }

    private static long otherResponses(String report) {
        long n = 0;
        Matcher m = Pattern.compile("\\[([0-9]+)\\]\\s+([0-9]+) responses").matcher(report);
        while (m.find()) {
            if (!m.group(1).equals("200")) {
                n += Long.parseLong(m.group(2));
            }
        }
        Matcher errors = Pattern.compile("Error distribution:([\\s\\S]*)").matcher(report);
        if (errors.find()) {
            Matcher e = Pattern.compile("\\[([0-9]+)\\]\\s").matcher(errors.group(1));
            while (e.find()) {
                n += Long.parseLong(e.group(1));
            }
        }
        return n;
    }

    private static void jcmd(long pid, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        args.addAll(List.of(command));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed:\n" + out);
        }
    }

    private static String table(List<Figure> figures, int seconds, int serviceWarmup) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "seed-cnn (96 px, 5 classes), one Flower102 `valid` photo (JPEG) per "
                        + "request, `hey -z %ds` per figure, the two paths alternating; JVMs warmed %d s first; %s; "
                        + "%d cores; load average at the end %s; %s%n%n", seconds, serviceWarmup,
                NativeBackend.describe(), Runtime.getRuntime().availableProcessors(), BenchModels.loadAverage(),
                Instant.now()));
        sb.append("| path | clients | requests/s | p50 ms | p99 ms | not 200 | gateway p50 - direct p50 | gateway p99 / "
                + "direct p99 | gateway / direct throughput | gateway CPU ms / request |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Figure direct = null;
        for (Figure f : figures) {
            String extra = "|  |  |  |  |";
            if (f.path().startsWith("inference")) {
                direct = f;
            } else if (direct != null && direct.clients() == f.clients()) {
                extra = String.format(Locale.ROOT, "| %+.2f ms | %.2f | %.2f | %.2f |", f.p50() - direct.p50(),
                        f.p99() / direct.p99(), f.rps() / direct.rps(), f.gatewayCpuMs());
            }
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.2f | %.2f | %d %s%n", f.path(), f.clients(),
                    f.rps(), f.p50(), f.p99(), f.other(), extra));
        }
        return sb.toString();
    }

    private static void log(String message) {
        System.err.println(message);
    }
}
