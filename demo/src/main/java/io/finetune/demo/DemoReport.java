package io.finetune.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.finetune.charts.PerformancePlot;
import io.finetune.contracts.ContractCodec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes demo-report/: results.json, performance.png and report.html. */
public final class DemoReport {
    private DemoReport() {
    }

    public static void write(DemoResults results, Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = ContractCodec.mapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path tmp = dir.resolve("results.json.tmp");
        json.writeValue(tmp.toFile(), results);
        Files.move(tmp, dir.resolve("results.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        PerformancePlot.write(dir.resolve("performance.png"), "Flower102", curves(runs(results)));
        Files.writeString(dir.resolve("report.html"), html(results));
    }

    /** Each run's epochs as the plot reads them. */
    private static Map<String, List<PerformancePlot.Epoch>> curves(Map<String, JobProgress> runs) {
        Map<String, List<PerformancePlot.Epoch>> curves = new LinkedHashMap<>();
        runs.forEach((label, run) -> curves.put(label, run.epochs().stream()
                .map(e -> new PerformancePlot.Epoch(e.seconds(), e.trainAccuracy(), e.validationAccuracy())).toList()));
        return curves;
    }

    /** The Flower102 runs by label, in the order the report shows them. */
    static Map<String, JobProgress> runs(DemoResults r) {
        Map<String, JobProgress> runs = new LinkedHashMap<>();
        runs.put(r.settings().architecture() + " fine-tuned", r.fineTune());
        runs.put(r.settings().architecture() + " from scratch", r.scratch());
        if (r.backbone() != null) {
            runs.put("ImageNet " + r.settings().backbone().architecture() + " fine-tuned", r.backbone());
        }
        return runs;
    }

    /**
     * One row per Flower102 model: best and final validation accuracy, test accuracy and top-5 on the held-out half
     * of {@code valid} (the job's own test split), held-out accuracy through the gateway, training wall time (every
     * epoch, validation and feature caching included) and mean training images per second.
     */
    static String comparisonTable(DemoResults r) {
        StringBuilder h = new StringBuilder("<table><tr><th>model</th><th>epochs</th><th>best val acc</th>"
                + "<th>final val acc</th><th>test acc</th><th>test top-5</th><th>held-out acc (gateway)</th>"
                + "<th>held-out top-5</th><th>training s</th><th>images/s</th></tr>");
        Map<String, JobProgress> runs = runs(r);
        for (Map.Entry<String, JobProgress> e : runs.entrySet()) {
            JobProgress j = e.getValue();
            HeldOutEvaluation held = r.heldOut().stream().filter(x -> x.model().equals(j.modelName())).findFirst()
                    .orElse(null);
            h.append("<tr><td>").append(esc(e.getKey())).append("</td>").append(td("%d", j.epochs().size()))
                    .append(td("%.3f", j.bestValidationAccuracy())).append(td("%.3f", j.finalValidationAccuracy()))
                    .append(td("%s", j.test() == null ? "" : f3(j.test().path("accuracy").asDouble())))
                    .append(td("%s", j.test() == null ? "" : f3(j.test().path("top5Accuracy").asDouble())))
                    .append(td("%s", held == null ? "" : f3(held.accuracy())))
                    .append(td("%s", held == null ? "" : f3(held.top5Accuracy())))
                    .append(td("%.1f", j.wallSeconds())).append(td("%.0f", j.meanImagesPerSecond())).append("</tr>");
        }
        return h.append("</table>").toString();
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String html(DemoResults r) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>finetune demo report</title><style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:1300px}table{border-collapse:collapse;")
                .append("margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("th{background:#f4f4f4}td:first-child{text-align:left}.good{color:#080}.bad{color:#a00}")
                .append("</style></head><body>");
        h.append("<h1>finetune demo: what transfer learning buys</h1>");
        DemoSettings s = r.settings();
        h.append(p("Preset <b>%s</b>: %s, %d px, %d epochs for fine-tune and scratch (base: %d), batch %d, "
                + "learning rate %s, seed %d. Started %s, finished %s.", s.name(), s.architecture(), s.imageSize(),
                s.epochs(), s.baseEpochs(), s.batchSize(), s.learningRate(), s.seed(), r.startedAt(), r.finishedAt()));
        LearningComparison c = r.comparison();
        h.append("<h2>Result</h2>");
        h.append(p("After %d epochs, validation accuracy: fine-tune <b>%.3f</b>, scratch <b>%.3f</b>; fine-tune ahead at "
                + "%d of %d equal epochs.", c.epochs(), c.fineTuneFinalValidationAccuracy(),
                c.scratchFinalValidationAccuracy(), c.epochsAheadOfScratch(), c.epochs()));
        h.append(c.epochsToScratchBest() > 0
                ? p("Fine-tune reached scratch's best validation accuracy (%.3f, reached by scratch after %d epochs "
                + "and %.1f s) after <b>%d epochs and %.1f s</b>.", c.scratchBestValidationAccuracy(),
                c.scratchEpochsToBest(), c.scratchSecondsToBest(), c.epochsToScratchBest(), c.secondsToScratchBest())
                : p("Fine-tune did not reach scratch's best validation accuracy (%.3f).",
                c.scratchBestValidationAccuracy()));
        if (r.backbone() != null) {
            DemoSettings.Backbone b = s.backbone();
            h.append(p("ImageNet %s (%s, %d px) fine-tuned on the same data: validation accuracy <b>%.3f</b> after %d "
                            + "epochs (head %d on cached views, then the top %d layers for %d), %.0f s of training.",
                    b.architecture(), b.model(), b.imageSize(), r.backbone().finalValidationAccuracy(),
                    r.backbone().epochs().size(), b.epochs(), b.unfreezeLayers(), b.unfreezeEpochs(),
                    r.backbone().wallSeconds()));
        } else {
            h.append(p("ImageNet backbone: skipped (%s).", esc(r.backboneSkipped())));
        }
        h.append("<h2>Flower102, model by model</h2>").append(comparisonTable(r));
        h.append("<img src=\"performance.png\" alt=\"validation accuracy against epoch and wall seconds\" "
                + "style=\"max-width:100%\">");
        h.append("<h2>Per epoch</h2><table><tr><th>epoch</th><th>fine-tune val acc</th><th>fine-tune s</th>")
                .append("<th>fine-tune img/s</th><th>scratch val acc</th><th>scratch s</th><th>scratch img/s</th></tr>");
        int n = Math.max(r.fineTune().epochs().size(), r.scratch().epochs().size());
        double ftT = 0;
        double scT = 0;
        for (int i = 0; i < n; i++) {
            h.append("<tr><td>").append(i + 1).append("</td>");
            if (i < r.fineTune().epochs().size()) {
                var e = r.fineTune().epochs().get(i);
                ftT += e.seconds();
                h.append(td("%.3f", e.validationAccuracy())).append(td("%.1f", ftT)).append(td("%.1f",
                        e.imagesPerSecond()));
            } else {
                h.append("<td></td><td></td><td></td>");
            }
            if (i < r.scratch().epochs().size()) {
                var e = r.scratch().epochs().get(i);
                scT += e.seconds();
                h.append(td("%.3f", e.validationAccuracy())).append(td("%.1f", scT)).append(td("%.1f",
                        e.imagesPerSecond()));
            } else {
                h.append("<td></td><td></td><td></td>");
            }
            h.append("</tr>");
        }
        h.append("</table>");
        h.append("<h2>Jobs</h2><table><tr><th>job</th><th>kind</th><th>model</th><th>version</th><th>state</th>")
                .append("<th>epochs</th><th>best val acc</th><th>train s</th><th>test accuracy</th></tr>");
        List<JobProgress> jobs = new java.util.ArrayList<>(List.of(r.base(), r.fineTune(), r.scratch()));
        if (r.backbone() != null) {
            jobs.add(r.backbone());
        }
        for (JobProgress j : jobs) {
            h.append("<tr><td>").append(esc(j.jobId())).append("</td><td>").append(j.kind()).append("</td><td>")
                    .append(esc(j.modelName())).append("</td><td>").append(j.modelVersion()).append("</td><td>")
                    .append(j.status()).append("</td>").append(td("%d", j.epochs().size()))
                    .append(td("%.3f", j.bestValidationAccuracy())).append(td("%.1f", j.wallSeconds()))
                    .append(td("%s", j.test() == null ? "" : String.format(Locale.ROOT, "%.3f",
                            j.test().path("accuracy").asDouble()))).append("</tr>");
        }
        h.append("</table>");
        for (HeldOutEvaluation e : r.heldOut()) {
            h.append("<h2>Held-out predictions through the gateway: ").append(esc(e.model())).append(" v")
                    .append(e.version()).append("</h2>");
            h.append(p("%d images that no dataset contains; accuracy %.3f.", e.total(), e.accuracy()));
            h.append("<table><tr><th>class</th><th>accuracy</th></tr>");
            List<Double> per = e.perClassAccuracy();
            for (int i = 0; i < e.classes().size(); i++) {
                if (!Double.isNaN(per.get(i))) {
                    h.append("<tr><td>").append(esc(e.classes().get(i))).append("</td>").append(td("%.2f", per.get(i)))
                            .append("</tr>");
                }
            }
            h.append("</table><h3>Most confused pairs</h3><table><tr><th>true class</th><th>predicted as</th>")
                    .append("<th>images</th></tr>");
            for (var pair : e.mostConfused(10)) {
                h.append("<tr><td>").append(esc(pair.trueClass())).append("</td><td>")
                        .append(esc(pair.predictedClass())).append("</td>").append(td("%d", pair.count()))
                        .append("</tr>");
            }
            h.append("</table>");
        }
        if (!r.modelSwitches().isEmpty()) {
            h.append("<h2>Hot reloads seen on the inference service</h2><table><tr><th>model</th><th>from</th>")
                    .append("<th>to</th><th>seconds after the job completed</th></tr>");
            for (var m : r.modelSwitches()) {
                h.append("<tr><td>").append(esc(m.model())).append("</td><td>").append(m.fromVersion())
                        .append("</td><td>").append(m.toVersion()).append("</td>")
                        .append(td("%.1f", m.secondsAfterCompletion())).append("</tr>");
            }
            h.append("</table>");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String p(String format, Object... args) {
        return "<p>" + String.format(Locale.ROOT, format, args) + "</p>";
    }

    private static String td(String format, Object value) {
        return "<td>" + String.format(Locale.ROOT, format, value) + "</td>";
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
