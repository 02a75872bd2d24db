package io.finetune.ml.cli;

import io.finetune.charts.PerformancePlot;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.UnfreezePhase;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.NativeBackend;
import io.finetune.ml.PretrainedModels;
import io.finetune.ml.SharedWeights;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ml experiment --backbone NAME}: import the ImageNet backbone, fine-tune it on Flower102 (the head on cached
 * views, then the top layers unfrozen on cached block inputs), and on Flower5 (the head only, held-out test split).
 * Every wall time counts what a user waits for: import, decoding, feature caching, training, validation, checkpoints.
 */
final class BackboneExperiment {
    /** What the run was asked to do. */
    record Settings(String backbone, Path weights, Path datasets, Path out, int epochs, int batchSize,
                    double learningRate, Integer views, UnfreezePhase unfreeze, int flower5Epochs, int flower5Views,
                    long seed) {
    }

    /** One fine-tuning run: its history, test result and wall time from decoding to the written package. */
    record Run(String dataset, List<EpochMetrics> history, Double testAccuracy, Double testTop5,
               double wallSeconds, double headPhaseWallSeconds, double bestValidationAccuracy) {
    }

    record Report(Map<String, Object> settings, double importSeconds, Run flower102, Run flower5,
                  double totalSeconds) {
    }

    private BackboneExperiment() {
    }

    static Report run(Settings s, MlCli.Streams streams) throws Exception {
        long start = System.nanoTime();
        Files.createDirectories(s.out());
        Path weights = s.weights() != null ? s.weights() : SharedWeights.backbone(s.backbone())
                .map(d -> d.resolve(SharedWeights.WEIGHTS_FILE))
                .orElseThrow(() -> new IllegalArgumentException(SharedWeights.absentMessage() + "; or pass --weights"));
        Path backbone = s.out().resolve("backbone");
        ModelManifest imported = PretrainedModels.importPackage(weights, s.backbone(),
                PretrainedModels.defaultClassesFile(weights), backbone, "imagenet-" + s.backbone(), "1",
                PretrainedModels.Origin.UNKNOWN);
        double importSeconds = (System.nanoTime() - start) / 1e9;
        streams.err.printf(Locale.ROOT, "imported %s in %.1f s%n", imported.name(), importSeconds);

        ImageDataset flower102 = ImageFolders.load(s.datasets().resolve("flower102"), 0.15, 0, s.seed());
        Run f102 = fineTune("flower102", flower102, s, s.unfreeze(), s.epochs(), s.views(), backbone, streams);
        ImageDataset flower5 = ImageFolders.load(s.datasets().resolve("flower5"), 0.15, 0.15, s.seed());
        Run f5 = fineTune("flower5", flower5, s, null, s.flower5Epochs(), s.flower5Views(), backbone, streams);
        Report report = new Report(settings(s, weights), importSeconds, f102, f5, (System.nanoTime() - start) / 1e9);
        Files.write(s.out().resolve("results.json"), ContractCodec.mapper().writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(report));
        Map<String, List<PerformancePlot.Epoch>> runs = new LinkedHashMap<>();
        runs.put("flower102", TrainingJobs.curve(f102.history()));
        PerformancePlot.write(s.out().resolve("performance.png"), "flower102 " + s.backbone() + " fine-tuned", runs);
        String markdown = markdown(report);
        Files.writeString(s.out().resolve("report.md"), markdown, StandardCharsets.UTF_8);
        streams.out.println(markdown);
        streams.err.println("results.json, performance.png and report.md written to " + s.out());
        return report;
    }

    private static Run fineTune(String name, ImageDataset data, Settings s, UnfreezePhase unfreeze, int epochs,
                                Integer views, Path backbone, MlCli.Streams streams) throws Exception {
        SpecOptions o = new SpecOptions();
        o.data = s.datasets().resolve(name);
        o.out = s.out().resolve(name);
        o.checkpoints = s.out().resolve("checkpoints").resolve(name);
        o.run.architecture = s.backbone();
        o.epochs = epochs;
        o.run.batchSize = s.batchSize();
        o.learningRate = s.learningRate();
        o.views = views;
        o.run.seed = s.seed();
        o.name = "flowers-" + name + "-" + s.backbone();
        o.version = "1";
        long start = System.nanoTime();
        ModelManifest m = TrainingJobs.run(o.spec(JobKind.FINETUNE, data.classes(), null, unfreeze, false), data,
                backbone, o, streams);
        double wall = (System.nanoTime() - start) / 1e9;
        double phaseTwo = m.history().stream().filter(e -> !"head".equals(e.phase()))
                .mapToDouble(EpochMetrics::seconds).sum();
        double best = m.history().stream().mapToDouble(EpochMetrics::validationAccuracy).max().orElse(Double.NaN);
        return new Run(name, m.history(), m.test() == null ? null : m.test().accuracy(),
                m.test() == null ? null : m.test().top5Accuracy(), wall, wall - phaseTwo, best);
    }

    private static Map<String, Object> settings(Settings s, Path weights) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backbone", s.backbone());
        m.put("weights", weights.toString());
        m.put("datasets", s.datasets().toString());
        m.put("headEpochs", s.epochs());
        m.put("batchSize", s.batchSize());
        m.put("learningRate", s.learningRate());
        m.put("views", s.views());
        m.put("unfreeze", s.unfreeze());
        m.put("flower5Epochs", s.flower5Epochs());
        m.put("flower5Views", s.flower5Views());
        m.put("seed", s.seed());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("backend", NativeBackend.describe());
        return m;
    }

    static String markdown(Report r) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# %s fine-tuned on the flowers%n%n", r.settings().get("backbone")));
        md.append(String.format(Locale.ROOT, "Whole experiment: %.0f s (import %.1f s). Flower102: %.0f s in all, "
                        + "%.0f s to the end of the head phase; Flower5: %.0f s.%n%n", r.totalSeconds(),
                r.importSeconds(), r.flower102().wallSeconds(), r.flower102().headPhaseWallSeconds(),
                r.flower5().wallSeconds()));
        md.append("| epoch | phase | train acc | val acc | val loss | s (cum.) |\n|---|---|---|---|---|---|\n");
        double cumulative = 0;
        for (EpochMetrics e : r.flower102().history()) {
            cumulative += e.seconds();
            md.append(String.format(Locale.ROOT, "| %d | %s | %.3f | %.3f | %.3f | %.1f |%n", e.epoch(), e.phase(),
                    e.trainAccuracy(), e.validationAccuracy(), e.validationLoss(), cumulative));
        }
        md.append(String.format(Locale.ROOT, "%nFlower102 best validation accuracy %.3f (1,020 `valid` images). "
                        + "Flower5 (head only): test accuracy %.3f, top-5 %.3f (held-out 15%%), best validation "
                        + "%.3f.%n", r.flower102().bestValidationAccuracy(), nan(r.flower5().testAccuracy()),
                nan(r.flower5().testTop5()), r.flower5().bestValidationAccuracy()));
        return md.toString();
    }

    private static double nan(Double d) {
        return d == null ? Double.NaN : d;
    }
}
