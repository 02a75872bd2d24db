package io.finetune.demo;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo itself, as a client of the gateway: ingest both flower sets, train BASE on Flower5, then FINETUNE and
 * SCRATCH on Flower102 with the same budget, follow them live, wait until the inference service serves each new
 * model, predict held-out images, and collect everything for the report.
 */
public final class DemoRun {
    private static final Duration POLL = Duration.ofMillis(1000);
    private final GatewayClient gateway;
    private final DemoSettings settings;
    private final DemoData.Prepared data;
    private final PrintStream out;
    private final URI prometheus;
    private final boolean terminal;
    private final Duration timeout;

    public DemoRun(GatewayClient gateway, DemoSettings settings, DemoData.Prepared data, PrintStream out,
                   URI prometheus, boolean terminal, Duration timeout) {
        this.gateway = gateway;
        this.settings = settings;
        this.data = data;
        this.out = out;
        this.prometheus = prometheus;
        this.terminal = terminal;
        this.timeout = timeout;
    }

    public DemoResults run() throws InterruptedException {
        Instant started = Instant.now();
        String run = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        Map<String, JsonNode> datasets = new LinkedHashMap<>();
        String f5 = "flower5-" + settings.name();
        String f102 = "flower102-" + settings.name();
        section("1/6 ingesting datasets through the gateway");
        datasets.put(f5, ingest(f5, data.flower5(), Map.of("seed", settings.seed())));
        datasets.put(f102, ingest(f102, data.flower102(), Map.of("split", "given", "testFraction", 0.5,
                "seed", settings.seed())));
        String v5 = datasets.get(f5).path("version").asText();
        String v102 = datasets.get(f102).path("version").asText();

        section("2/6 BASE on " + f5 + " v" + v5);
        String prefix = "demo-" + settings.name() + "-" + run;
        String baseModel = "flowers5-base-" + settings.name();
        String baseBefore = activeVersion(baseModel);
        JobProgress base = follow(List.of(submit(prefix + "-base", "BASE", baseModel, f5, v5, null,
                settings.baseEpochs()))).get(0);
        List<DemoResults.ModelSwitch> switches = new ArrayList<>();
        switches.add(awaitServing(base, baseBefore));

        section("3/6 FINETUNE (frozen conv layers of " + baseModel + " v" + base.modelVersion() + ") and SCRATCH on "
                + f102 + " v" + v102 + ", same budget");
        String ftModel = "flowers102-finetune-" + settings.name();
        String scModel = "flowers102-scratch-" + settings.name();
        String ftBefore = activeVersion(ftModel);
        String scBefore = activeVersion(scModel);
        String ftJob = submit(prefix + "-finetune", "FINETUNE", ftModel, f102, v102,
                Map.of("name", baseModel, "version", base.modelVersion()), settings.epochs());
        String scJob = submit(prefix + "-scratch", "SCRATCH", scModel, f102, v102, null, settings.epochs());
        List<JobProgress> pair = follow(List.of(ftJob, scJob));
        JobProgress ft = pair.get(0);
        JobProgress sc = pair.get(1);
        switches.add(awaitServing(ft, ftBefore));
        switches.add(awaitServing(sc, scBefore));

        DemoSettings.Backbone b = settings.backbone();
        JobProgress bb = null;
        String bbModel = "flowers102-" + (b == null ? "backbone" : b.architecture()) + "-" + settings.name();
        String skipped = b == null ? "not asked for (--no-backbone)" : backboneMissing(b);
        if (skipped == null) {
            section("4/6 FINETUNE ImageNet " + b.architecture() + " (" + b.model() + ") on " + f102 + " v" + v102
                    + ": the head on cached views, then the top " + b.unfreezeLayers() + " layers");
            String bbBefore = activeVersion(bbModel);
            bb = follow(List.of(submitBackbone(prefix + "-backbone", bbModel, f102, v102, b))).get(0);
            switches.add(awaitServing(bb, bbBefore));
        } else {
            section("4/6 ImageNet backbone skipped: " + skipped);
        }

        section("5/6 held-out images through the gateway (top-5)");
        List<HeldOutEvaluation> heldOut = new ArrayList<>(List.of(
                evaluate(baseModel, base.modelVersion(), data.heldOutFlower5(), data.flower5Classes()),
                evaluate(ftModel, ft.modelVersion(), data.heldOutFlower102(), data.flower102Classes()),
                evaluate(scModel, sc.modelVersion(), data.heldOutFlower102(), data.flower102Classes())));
        if (bb != null) {
            heldOut.add(evaluate(bbModel, bb.modelVersion(), data.heldOutFlower102(), data.flower102Classes()));
        }

        section("6/6 report");
        Map<String, Boolean> series = prometheus == null ? Map.of() : PrometheusSeries.check(prometheus, List.of(
                "finetune_trainer_validation_accuracy", "finetune_trainer_jobs_total",
                "finetune_inference_request_seconds_count", "finetune_dataset_images_ingested_total"),
                Duration.ofSeconds(45));
        return new DemoResults(started, Instant.now(), settings, datasets, base, ft, sc,
                LearningComparison.of(ft, sc), heldOut, switches, series, bb, skipped);
    }

    private JsonNode ingest(String name, Path dir, Map<String, Object> options) throws InterruptedException {
        JsonNode accepted = gateway.importDataset(name, dir, options);
        String status = accepted.path("statusUrl").asText(null);
        if (status != null && status.startsWith("/datasets/")) {
            status = "/api/v1" + status; // the dataset service names its own path; the gateway serves it here
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode doc = accepted;
        String last = "";
        while (true) {
            String state = doc.path("state").asText("");
            if (state.equalsIgnoreCase("READY")) {
                out.printf("  %s v%s ready: %d images, %d rejected, fingerprint %s%n", name,
                        doc.path("version").asText(), doc.path("images").asInt(), doc.path("rejected").size(),
                        doc.path("fingerprint").asText());
                return doc;
            }
            if (state.equalsIgnoreCase("FAILED")) {
                throw new DemoException("ingest of " + name + " from " + dir + " failed: " + doc.path("reason")
                        .asText(doc.toString()));
            }
            String progress = String.format("  %s: %s %s", name, state, doc.path("progress").toString());
            if (!progress.equals(last)) {
                out.println(progress);
                last = progress;
            }
            if (System.nanoTime() > deadline) {
                throw new DemoException("ingest of " + name + " did not finish within " + timeout.toMinutes() + " min");
            }
            Thread.sleep(POLL.toMillis());
            doc = gateway.get(status != null ? status : "/api/v1/datasets/" + name + "/"
                    + accepted.path("version").asText());
        }
    }

    private String submit(String jobId, String kind, String model, String dataset, String version,
                          Map<String, Object> baseModel, int epochs) {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("epochs", epochs);
        hp.put("batchSize", settings.batchSize());
        hp.put("learningRate", settings.learningRate());
        hp.put("imageSize", settings.imageSize());
        // The base learns its features with augmentation; fine-tune and scratch train without it, the same way,
        // so that fine-tuning can train its head on cached features of the frozen layers.
        hp.put("augmentation", kind.equals("BASE")
                ? Map.of("flip", true, "maxRotationDegrees", 10, "minCropScale", 0.8, "brightness", 0.1, "contrast", 0.1)
                : Map.of("flip", false, "maxRotationDegrees", 0, "minCropScale", 1, "brightness", 0, "contrast", 0));
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("jobId", jobId);
        request.put("kind", kind);
        request.put("modelName", model);
        request.put("dataset", Map.of("name", dataset, "version", version));
        if (baseModel != null) {
            request.put("baseModel", baseModel);
        }
        request.put("architecture", settings.architecture());
        request.put("hyperParameters", hp);
        request.put("seed", settings.seed());
        request.put("serve", "LATEST"); // served once published, and again after every restart of the replicas
        JsonNode answer = gateway.submitJob(request);
        out.printf("  submitted %s %s -> %s%n", kind, jobId, answer.path("statusUrl").asText());
        return answer.path("jobId").asText(jobId);
    }

    /** Why the backbone cannot be fine-tuned (not served, so not published), or null when it can. */
    private String backboneMissing(DemoSettings.Backbone b) {
        if (activeVersion(b.model()) != null) {
            return null;
        }
        return b.model() + " is not in the model registry: ./finetune up publishes it from ../shared/weights (or "
                + "$FINETUNE_WEIGHTS_DIR)/" + b.architecture() + "/model.safetensors when the file is there";
    }

    /** A FINETUNE from the backbone; what it leaves out (views, augmentation, smoothing...) the trainer chooses. */
    private String submitBackbone(String jobId, String model, String dataset, String version,
                                  DemoSettings.Backbone b) {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("epochs", b.epochs());
        hp.put("batchSize", settings.batchSize());
        hp.put("learningRate", b.learningRate());
        hp.put("imageSize", b.imageSize());
        hp.put("unfreeze", Map.of("layers", b.unfreezeLayers(), "epochs", b.unfreezeEpochs(),
                "learningRate", b.unfreezeLearningRate()));
        if (b.views() != null) {
            hp.put("views", b.views());
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("jobId", jobId);
        request.put("kind", "FINETUNE");
        request.put("modelName", model);
        request.put("dataset", Map.of("name", dataset, "version", version));
        request.put("baseModel", Map.of("name", b.model(), "version", activeVersion(b.model())));
        request.put("architecture", b.architecture());
        request.put("hyperParameters", hp);
        request.put("seed", settings.seed());
        request.put("serve", "LATEST"); // served once published, and again after every restart of the replicas
        JsonNode answer = gateway.submitJob(request);
        out.printf("  submitted FINETUNE %s -> %s%n", jobId, answer.path("statusUrl").asText());
        return answer.path("jobId").asText(jobId);
    }

    private List<JobProgress> follow(List<String> jobIds) throws InterruptedException {
        ProgressBoard board = new ProgressBoard(out, terminal);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<JobProgress> jobs = new ArrayList<>();
            for (String id : jobIds) {
                JobProgress p = progress(id, deadline);
                board.update(p, p.totalEpochs() > 0 ? p.totalEpochs()
                        : p.kind().equals("BASE") ? settings.baseEpochs() : settings.epochs());
                jobs.add(p);
            }
            if (jobs.stream().allMatch(JobProgress::isFinal)) {
                for (JobProgress p : jobs) {
                    if (!p.status().equals("COMPLETED")) {
                        throw new DemoException("job " + p.jobId() + " ended " + p.status() + ": " + p.reason());
                    }
                }
                return jobs;
            }
            if (System.nanoTime() > deadline) {
                throw new DemoException("jobs " + jobIds + " did not finish within " + timeout.toMinutes() + " min");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * The job's view; the gateway builds it from the topics, so a job submitted a moment ago may not be in it yet
     * (404): shown as SUBMITTED until it appears.
     */
    private JobProgress progress(String jobId, long deadline) {
        try {
            return JobProgress.of(gateway.job(jobId));
        } catch (GatewayException e) {
            if (e.status() == 404 && System.nanoTime() < deadline) {
                return new JobProgress(jobId, "", jobId, "SUBMITTED", List.of(), null, null, null);
            }
            throw e;
        }
    }

    /** Waits until the inference service's active version of the model is the one the job published. */
    private DemoResults.ModelSwitch awaitServing(JobProgress job, String before) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Duration.ofMinutes(3).toNanos();
        String first = before == null ? "none" : before;
        while (true) {
            String active = activeVersion(job.modelName());
            if (job.modelVersion().equals(active)) {
                double s = (System.nanoTime() - start) / 1e9;
                out.printf("  inference-service serves %s v%s (was %s)%n", job.modelName(), active, first);
                return new DemoResults.ModelSwitch(job.modelName(), first, active, s);
            }
            if (System.nanoTime() > deadline) {
                throw new DemoException("the inference service did not load " + job.modelName() + " v"
                        + job.modelVersion() + " within 3 minutes (active: " + active + ")");
            }
            Thread.sleep(500);
        }
    }

    private String activeVersion(String model) {
        try {
            JsonNode m = gateway.get("/api/v1/models/" + model);
            JsonNode v = m.has("activeVersion") ? m.get("activeVersion") : m.get("version");
            return v == null || v.isNull() ? null : v.asText();
        } catch (DemoException e) {
            return null;
        }
    }

    private HeldOutEvaluation evaluate(String model, String version, Path dir, List<String> classes) {
        List<String> labels = new ArrayList<>(classes);
        int[][] confusion = new int[classes.size()][classes.size()];
        List<HeldOutEvaluation.Sample> samples = new ArrayList<>();
        int top5 = 0;
        for (int c = 0; c < classes.size(); c++) {
            List<Path> images;
            try {
                images = DemoData.images(dir.resolve(classes.get(c)));
            } catch (IOException e) {
                throw new DemoException("cannot list held-out images in " + dir.resolve(classes.get(c)), e);
            }
            for (Path image : images) {
                JsonNode answer = gateway.predict(model, image, 5);
                List<String> top = new ArrayList<>();
                List<Double> probabilities = new ArrayList<>();
                JsonNode list = answer.has("top") ? answer.get("top") : answer.path("predictions");
                for (JsonNode t : list) {
                    top.add(t.has("className") ? t.get("className").asText() : t.path("label").asText());
                    probabilities.add(t.path("probability").asDouble());
                }
                int predicted = top.isEmpty() ? -1 : labels.indexOf(top.get(0));
                if (predicted >= 0) {
                    confusion[c][predicted]++;
                }
                top5 += top.contains(classes.get(c)) ? 1 : 0;
                if (samples.size() < 6) {
                    samples.add(new HeldOutEvaluation.Sample(image.getFileName().toString(), classes.get(c), top,
                            probabilities));
                }
            }
        }
        HeldOutEvaluation e = new HeldOutEvaluation(model, version, classes, confusion, samples, top5);
        out.printf("  %s v%s: %d held-out images, accuracy %.3f, top-5 %.3f%n", model, version, e.total(),
                e.accuracy(), e.top5Accuracy());
        for (HeldOutEvaluation.Sample s : samples.subList(0, Math.min(3, samples.size()))) {
            StringBuilder line = new StringBuilder("    " + s.file() + " (" + s.trueClass() + "):");
            for (int i = 0; i < s.top().size(); i++) {
                line.append(String.format("  %s %.2f", s.top().get(i), s.probabilities().get(i)));
            }
            out.println(line);
        }
        return e;
    }

    private void section(String title) {
        out.println();
        out.println("== " + title);
    }

    /** Checks that Prometheus holds series by name, waiting for scrapes to catch up. */
    static final class PrometheusSeries {
        private PrometheusSeries() {
        }

        static Map<String, Boolean> check(URI prometheus, List<String> names, Duration wait)
                throws InterruptedException {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            Map<String, Boolean> found = new LinkedHashMap<>();
            long deadline = System.nanoTime() + wait.toNanos();
            for (String name : names) {
                boolean present = false;
                while (!present) {
                    try {
                        URI q = prometheus.resolve("/api/v1/query?query=" + URLEncoder.encode("count(" + name + ")",
                                StandardCharsets.UTF_8));
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(q).timeout(Duration.ofSeconds(5))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        present = r.statusCode() == 200 && r.body().contains("\"value\"");
                    } catch (IOException e) {
                        present = false;
                    }
                    if (present || System.nanoTime() > deadline) {
                        break;
                    }
                    Thread.sleep(1000);
                }
                found.put(name, present);
            }
            return found;
        }
    }
}
