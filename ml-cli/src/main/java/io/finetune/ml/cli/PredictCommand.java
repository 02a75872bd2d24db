package io.finetune.ml.cli;

import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.ClassScore;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.ModelPackages;
import io.finetune.ml.Prediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true, description = "Print the top classes of image files, one line per file.")
final class PredictCommand implements Callable<Integer> {
    private final MlCli.Streams streams;

    @Option(names = "--model", required = true, description = "model package directory")
    Path model;

    @Option(names = "--top", defaultValue = "5")
    int top;

    @Parameters(arity = "1..*", description = "image files")
    List<Path> files;

    PredictCommand(MlCli.Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws Exception {
        int rejected = 0;
        try (ImageClassifier classifier = ModelPackages.load(model)) {
            for (Path file : files) {
                try {
                    Prediction p = classifier.predict(Files.readAllBytes(file), top);
                    StringBuilder line = new StringBuilder(file.toString());
                    for (ClassScore s : p.top()) {
                        line.append(String.format("  %s %.4f", s.className(), s.probability()));
                    }
                    line.append(String.format("  (%.1f ms preprocess, %.1f ms inference)", p.preprocessMillis(),
                            p.inferenceMillis()));
                    streams.out.println(line);
                } catch (ImageRejectedException e) {
                    rejected++;
                    streams.out.println(file + "  rejected: " + e.reason() + " (" + e.getMessage() + ")");
                }
            }
        }
        return rejected == 0 ? 0 : 3;
    }
}
