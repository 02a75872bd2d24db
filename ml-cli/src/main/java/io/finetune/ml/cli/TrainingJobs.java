package io.finetune.ml.cli;

import io.finetune.charts.PerformancePlot;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.ModelManifest;
import io.finetune.ml.DatasetFingerprints;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ModelPackages;
import io.finetune.ml.ModelTrainer;
import io.finetune.ml.TrainedModel;
import io.finetune.ml.TrainingSpec;

import java.nio.file.Path;
import java.util.List;

/** Runs one training job from the command line and writes its package. */
final class TrainingJobs {
    private TrainingJobs() {
    }

    static ModelManifest run(TrainingSpec spec, ImageDataset data, Path base, SpecOptions options,
                             MlCli.Streams streams) throws Exception {
        streams.err.printf("%s %s on %s: %d classes, %d train / %d validation / %d test images, %d px%n",
                spec.kind(), spec.architecture(), options.data, data.classes().size(), data.train().size(),
                data.validation().size(), data.test().size(), spec.imageSize());
        ProgressBar progress = new ProgressBar(streams.err, spec.kind().name().toLowerCase(), spec.totalEpochs());
        try (TrainedModel model = new ModelTrainer(options.trainerOptions()).train(spec, data, base,
                options.checkpointDir(), progress)) {
            model.writePackage(options.out, options.name, options.version, null,
                    new DatasetRef(datasetName(options.data), "local"),
                    DatasetFingerprints.of(options.data, data));
            ModelManifest written = ModelPackages.readManifest(options.out);
            streams.out.println(ContractCodec.encodeToString(written.test() == null ? written.history()
                    .get(written.history().size() - 1) : written.test()));
            streams.err.println("model package written to " + options.out);
            return written;
        }
    }

    /** A run's history as the learning-curve plot reads it. */
    static List<PerformancePlot.Epoch> curve(List<EpochMetrics> history) {
        return history.stream()
                .map(m -> new PerformancePlot.Epoch(m.seconds(), m.trainAccuracy(), m.validationAccuracy())).toList();
    }

    static String datasetName(Path data) {
        String n = data.toAbsolutePath().normalize().getFileName().toString().toLowerCase()
                .replaceAll("[^a-z0-9._-]", "-");
        return n.isEmpty() ? "dataset" : n;
    }
}
