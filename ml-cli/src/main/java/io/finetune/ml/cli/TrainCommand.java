package io.finetune.ml.cli;

import io.finetune.contracts.JobKind;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.TrainingSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, description = "Train from random initialization (BASE, or SCRATCH for a baseline).")
final class TrainCommand implements Callable<Integer> {
    private final MlCli.Streams streams;

    @Mixin
    SpecOptions options = new SpecOptions();

    @Option(names = "--kind", defaultValue = "BASE", description = "BASE or SCRATCH")
    JobKind kind;

    TrainCommand(MlCli.Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws Exception {
        if (kind != JobKind.BASE && kind != JobKind.SCRATCH) {
            throw new IllegalArgumentException("expected --kind BASE or SCRATCH, found " + kind);
        }
        ImageDataset data = ImageFolders.load(options.data, options.validationFraction, options.testFraction,
                options.run.seed);
        TrainingSpec spec = options.spec(kind, data.classes(), null, null, false);
        TrainingJobs.run(spec, data, null, options, streams);
        return 0;
    }
}
