package io.finetune.ml.cli;

import io.finetune.contracts.JobKind;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.TrainingSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "finetune", mixinStandardHelpOptions = true, description = "Copy a base model's layers up to a cut point, freeze them, train a new "
        + "head; optionally unfreeze the top layers in a second phase.")
final class FinetuneCommand implements Callable<Integer> {
    private final MlCli.Streams streams;

    @Mixin
    SpecOptions options = new SpecOptions();

    @Option(names = "--base", required = true, description = "base model package directory")
    Path base;

    @Mixin
    FineTuneOptions fineTune = new FineTuneOptions(0, 3, 1e-4);

    @Option(names = "--train-bn", description = "let batch-norm statistics adapt (reference networks: in the frozen "
            + "part too; pretrained backbones: in the unfrozen layers)")
    boolean trainBatchNorm;

    FinetuneCommand(MlCli.Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws Exception {
        ImageDataset data = ImageFolders.load(options.data, options.validationFraction, options.testFraction,
                options.run.seed);
        TrainingSpec spec = options.spec(JobKind.FINETUNE, data.classes(), fineTune.cut, fineTune.unfreezePhase(),
                trainBatchNorm);
        TrainingJobs.run(spec, data, base, options, streams);
        return 0;
    }
}
