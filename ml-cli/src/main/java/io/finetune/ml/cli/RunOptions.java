package io.finetune.ml.cli;

import picocli.CommandLine.Option;

/**
 * The options every training command and the experiment share, with the same meaning and defaults: the network,
 * the batch size and the seed ({@code @Mixin} in {@link SpecOptions} and {@link ExperimentCommand}).
 */
final class RunOptions {
    @Option(names = "--arch", defaultValue = "seed-cnn", description = "architecture: seed-cnn, res-cnn, "
            + "efficientnet-lite0..2 (default ${DEFAULT-VALUE})")
    String architecture;

    @Option(names = "--batch-size", defaultValue = "32")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42")
    long seed;
}
