package io.finetune.ml.cli;

import io.finetune.contracts.UnfreezePhase;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SharedOptionsTest {
    private final MlCli.Streams streams = new MlCli.Streams(new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(new ByteArrayOutputStream()));

    @Test
    void trainingCommandsAndTheExperimentReadArchBatchSizeAndSeedThroughOneMixin() {
        TrainCommand train = new TrainCommand(streams);
        new CommandLine(train).parseArgs("--data", "d", "--out", "o", "--arch", "res-cnn", "--batch-size", "8",
                "--seed", "7");
        FinetuneCommand finetune = new FinetuneCommand(streams);
        new CommandLine(finetune).parseArgs("--data", "d", "--out", "o", "--base", "b", "--arch", "res-cnn",
                "--batch-size", "8", "--seed", "7");
        ExperimentCommand experiment = new ExperimentCommand(streams);
        new CommandLine(experiment).parseArgs("--arch", "res-cnn", "--batch-size", "8", "--seed", "7");

        for (RunOptions run : new RunOptions[]{train.options.run, finetune.options.run, experiment.run}) {
            assertEquals("res-cnn", run.architecture);
            assertEquals(8, run.batchSize);
            assertEquals(7, run.seed);
        }
    }

    @Test
    void sharedOptionsKeepTheirDefaults() {
        TrainCommand train = new TrainCommand(streams);
        new CommandLine(train).parseArgs("--data", "d", "--out", "o");
        ExperimentCommand experiment = new ExperimentCommand(streams);
        new CommandLine(experiment).parseArgs();

        for (RunOptions run : new RunOptions[]{train.options.run, experiment.run}) {
            assertEquals("seed-cnn", run.architecture);
            assertEquals(32, run.batchSize);
            assertEquals(42, run.seed);
        }
    }

    @Test
    void finetuneAndTheExperimentShareTheFineTuneOptionsEachWithItsOwnDefaults() {
        FinetuneCommand finetune = new FinetuneCommand(streams);
        new CommandLine(finetune).parseArgs("--data", "d", "--out", "o", "--base", "b");
        ExperimentCommand experiment = new ExperimentCommand(streams);
        new CommandLine(experiment).parseArgs();

        assertNull(finetune.fineTune.unfreezePhase(), "a plain fine-tune has no second phase");
        assertEquals(new UnfreezePhase(ExperimentCommand.BACKBONE_UNFREEZE_EPOCHS,
                ExperimentCommand.BACKBONE_UNFREEZE_LAYERS, ExperimentCommand.BACKBONE_UNFREEZE_LR),
                experiment.fineTune.unfreezePhase());

        for (CommandLine cli : new CommandLine[]{new CommandLine(new FinetuneCommand(streams)),
                new CommandLine(new ExperimentCommand(streams))}) {
            String[] common = {"--cut", "conv3", "--unfreeze-layers", "2", "--unfreeze-epochs", "4",
                    "--unfreeze-lr", "5e-4"};
            String[] args = cli.getCommand() instanceof FinetuneCommand
                    ? concat(new String[]{"--data", "d", "--out", "o", "--base", "b"}, common) : common;
            cli.parseArgs(args);
            FineTuneOptions options = cli.getCommand() instanceof FinetuneCommand f ? f.fineTune
                    : ((ExperimentCommand) cli.getCommand()).fineTune;
            assertEquals("conv3", options.cut);
            assertEquals(new UnfreezePhase(4, 2, 5e-4), options.unfreezePhase());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
