package io.finetune.ml.cli;

import io.finetune.ml.EvaluationReport;
import io.finetune.ml.Evaluator;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.LabeledImage;
import io.finetune.ml.ModelPackages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Evaluate a model package on a class-per-folder directory whose folder "
        + "names are classes of the model; prints the JSON report and writes it.")
final class EvaluateCommand implements Callable<Integer> {
    private final MlCli.Streams streams;

    @Option(names = "--model", required = true, description = "model package directory")
    Path model;

    @Option(names = "--data", required = true, description = "class-per-folder directory")
    Path data;

    @Option(names = "--out", description = "JSON report file (default evaluation.json)",
            defaultValue = "evaluation.json")
    Path out;

    EvaluateCommand(MlCli.Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws Exception {
        try (ImageClassifier classifier = ModelPackages.load(model)) {
            List<String> classes = classifier.manifest().classes();
            List<LabeledImage> images = new ArrayList<>();
            for (Map.Entry<String, List<Path>> e : ImageFolders.classFolders(data).entrySet()) {
                int label = classes.indexOf(e.getKey());
                if (label < 0) {
                    throw new IllegalArgumentException("expected class folders named after the model's classes, "
                            + "found '" + e.getKey() + "' in " + data + " (model classes: " + classes + ")");
                }
                e.getValue().forEach(f -> images.add(new LabeledImage(f, label)));
            }
            streams.err.printf("evaluating %s on %d images in %s%n", model, images.size(), data);
            EvaluationReport report = Evaluator.evaluate(classifier, images);
            String json = report.toJson();
            Files.writeString(out, json, StandardCharsets.UTF_8);
            streams.out.println(json);
            streams.err.printf("accuracy %.4f  top-5 %.4f  macro-F1 %.4f  (%d images, %d skipped); written to %s%n",
                    report.accuracy(), report.top5Accuracy(), report.macroF1(), report.examples(),
                    report.skipped().size(), out);
        }
        return 0;
    }
}
