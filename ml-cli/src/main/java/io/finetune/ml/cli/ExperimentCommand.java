package io.finetune.ml.cli;

import io.finetune.charts.PerformancePlot;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.NativeBackend;
import io.finetune.ml.FineTuneDefaults;
import io.finetune.ml.SharedDatasets;
import io.finetune.ml.SharedWeights;
import io.finetune.ml.TrainingSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "experiment", mixinStandardHelpOptions = true, description = "BASE on flower5, then FINETUNE and "
        + "SCRATCH on flower102 with the same budget; or, with --backbone, an ImageNet backbone fine-tuned on flower102 "
        + "(head, then unfrozen top layers) and flower5. Writes results.json, performance.png and report.md.")
final class ExperimentCommand implements Callable<Integer> {
    static final double BACKBONE_LR = 3e-3;
    static final int BACKBONE_UNFREEZE_LAYERS = 3;
    static final int BACKBONE_UNFREEZE_EPOCHS = 3;
    static final double BACKBONE_UNFREEZE_LR = 1e-3;
    static final int BACKBONE_FLOWER5_EPOCHS = 8;
    private final MlCli.Streams streams;

    @Mixin
    RunOptions run = new RunOptions();

    @Option(names = "--datasets", description = "folder holding flower5/ and flower102/ (default: $"
            + SharedDatasets.ENV + " or ../shared/datasets)")
    Path datasets;

    @Option(names = "--out", defaultValue = "experiment", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--image-size", defaultValue = "96")
    int imageSize;

    @Option(names = "--base-epochs", defaultValue = "10")
    int baseEpochs;

    @Option(names = "--base-augment", defaultValue = "standard", description = "augmentation of the base run")
    String baseAugment;

    @Option(names = "--epochs", defaultValue = "10", description = "budget of both flower102 runs")
    int epochs;

    @Option(names = "--augment", defaultValue = "none", description = "augmentation of the flower102 runs (none "
            + "lets fine-tuning train on cached features)")
    String augment;

    @Option(names = "--lr", description = "learning rate (default 1e-3; with --backbone, of the head phase: "
            + BACKBONE_LR + ")")
    Double learningRate;

    @Option(names = "--backbone", description = "fine-tune this pretrained backbone instead (efficientnet-lite0..2); "
            + "its weights from $" + SharedWeights.ENV + " or ../shared/weights, or --weights")
    String backbone;

    @Option(names = "--weights", description = "with --backbone: the backbone's model.safetensors")
    Path weights;

    @Option(names = "--views", description = "with --backbone: cached views per training image (default "
            + FineTuneDefaults.BACKBONE_VIEWS + ")")
    Integer views;

    @Mixin
    FineTuneOptions fineTune = new FineTuneOptions(BACKBONE_UNFREEZE_LAYERS, BACKBONE_UNFREEZE_EPOCHS,
            BACKBONE_UNFREEZE_LR);

    @Option(names = "--flower5-epochs", defaultValue = "" + BACKBONE_FLOWER5_EPOCHS, description = "with --backbone: "
            + "head epochs on flower5 (default ${DEFAULT-VALUE})")
    int flower5Epochs;

    @Option(names = "--flower5-views", defaultValue = "2", description = "with --backbone: cached views per flower5 "
            + "training image (default ${DEFAULT-VALUE}: 2,569 images need few; more views did not help there)")
    int flower5Views;

    @Option(names = "--schedule", defaultValue = "CONSTANT", description = "learning-rate schedule of all three runs: "
            + "CONSTANT (the reference) or COSINE (default ${DEFAULT-VALUE})")
    io.finetune.contracts.LearningRateSchedule schedule;

    ExperimentCommand(MlCli.Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws Exception {
        Path root = datasets != null ? datasets : SharedDatasets.locate()
                .orElseThrow(() -> new IllegalArgumentException(SharedDatasets.absentMessage()));
        if (backbone != null) {
            BackboneExperiment.run(new BackboneExperiment.Settings(backbone, weights, root, out, epochs, run.batchSize,
                    learningRate != null ? learningRate : BACKBONE_LR, views, fineTune.unfreezePhase(), flower5Epochs,
                    flower5Views, run.seed), streams);
            return 0;
        }
        Files.createDirectories(out);
        ImageDataset flower5 = ImageFolders.load(root.resolve("flower5"), 0.15, 0.15, run.seed);
        ImageDataset flower102 = ImageFolders.load(root.resolve("flower102"), 0.15, 0, run.seed);

        SpecOptions base = options(root.resolve("flower5"), "base", baseEpochs, baseAugment);
        ModelManifest baseModel = TrainingJobs.run(base.spec(JobKind.BASE, flower5.classes(), null, null, false),
                flower5, null, base, streams);

        SpecOptions fine = options(root.resolve("flower102"), "finetune", epochs, augment);
        ModelManifest finetuned = TrainingJobs.run(fine.spec(JobKind.FINETUNE, flower102.classes(), fineTune.cut,
                null, false), flower102, base.out, fine, streams);

        SpecOptions scratchOptions = options(root.resolve("flower102"), "scratch", epochs, augment);
        ModelManifest scratch = TrainingJobs.run(scratchOptions.spec(JobKind.SCRATCH, flower102.classes(), null,
                null, false), flower102, null, scratchOptions, streams);

        ExperimentReport report = ExperimentReport.of(settings(root), baseModel, finetuned, scratch);
        Files.write(out.resolve("results.json"), ContractCodec.mapper().writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(report));
        Map<String, List<PerformancePlot.Epoch>> runs = new LinkedHashMap<>();
        runs.put("fine-tune", TrainingJobs.curve(finetuned.history()));
        runs.put("scratch", TrainingJobs.curve(scratch.history()));
        PerformancePlot.write(out.resolve("performance.png"), "flower102 " + run.architecture + " " + imageSize + " px",
                runs);
        Files.writeString(out.resolve("report.md"), report.markdown(), StandardCharsets.UTF_8);
        streams.out.println(report.markdown());
        streams.err.println("results.json, performance.png and report.md written to " + out);
        return 0;
    }

    private SpecOptions options(Path data, String runName, int runEpochs, String runAugment) {
        SpecOptions o = new SpecOptions();
        o.data = data;
        o.out = out.resolve(runName);
        o.checkpoints = out.resolve("checkpoints").resolve(runName);
        o.run.architecture = run.architecture;
        o.imageSize = imageSize;
        o.epochs = runEpochs;
        o.run.batchSize = run.batchSize;
        o.learningRate = learningRate != null ? learningRate : 1e-3;
        o.augment = runAugment;
        o.schedule = schedule;
        o.views = 0;
        o.labelSmoothing = 0.0;
        o.weightDecay = 0.0;
        o.dropout = 0.0;
        o.run.seed = run.seed;
        o.name = "flowers-" + runName;
        o.version = "1";
        return o;
    }

    private Map<String, Object> settings(Path root) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("datasets", root.toString());
        s.put("architecture", run.architecture);
        s.put("schedule", schedule);
        s.put("freezeCut", fineTune.cut != null ? fineTune.cut
                : io.finetune.ml.net.Architectures.byName(run.architecture).defaultCutPoint());
        s.put("imageSize", imageSize);
        s.put("baseEpochs", baseEpochs);
        s.put("baseAugmentation", baseAugment);
        s.put("epochs", epochs);
        s.put("augmentation", augment);
        s.put("batchSize", run.batchSize);
        s.put("learningRate", learningRate != null ? learningRate : 1e-3);
        s.put("seed", run.seed);
        s.put("cores", Runtime.getRuntime().availableProcessors());
        s.put("backend", NativeBackend.describe());
        return s;
    }
}
