package io.finetune.ml.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
