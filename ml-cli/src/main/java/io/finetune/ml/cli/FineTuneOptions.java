package io.finetune.ml.cli;

import io.finetune.contracts.UnfreezePhase;
import picocli.CommandLine.Option;

/**
 * Where fine-tuning freezes and whether a second phase unfreezes the top layers: the same options in
 * {@code finetune} and {@code experiment} ({@code @Mixin}). Each command sets its own defaults through the
 * constructor: a plain fine-tune has no second phase, the backbone experiment unfreezes three layers.
 */
final class FineTuneOptions {
    @Option(names = "--cut", description = "last frozen layer (default: the architecture's, e.g. conv4)")
    String cut;

    @Option(names = "--unfreeze-layers", description = "second phase: unfreeze this many top frozen layers, counted "
            + "from the top (a backbone: top conv, then blocks); 0 = no second phase (default ${DEFAULT-VALUE})")
    int unfreezeLayers;

    @Option(names = "--unfreeze-epochs", description = "epochs of the second phase (default ${DEFAULT-VALUE})")
    int unfreezeEpochs;

    @Option(names = "--unfreeze-lr", description = "learning rate of the second phase (default ${DEFAULT-VALUE})")
    double unfreezeLearningRate;

    FineTuneOptions(int unfreezeLayers, int unfreezeEpochs, double unfreezeLearningRate) {
        this.unfreezeLayers = unfreezeLayers;
        this.unfreezeEpochs = unfreezeEpochs;
        this.unfreezeLearningRate = unfreezeLearningRate;
    }

    /** The second phase these options ask for, or null for none. */
    UnfreezePhase unfreezePhase() {
        return unfreezeLayers > 0 ? new UnfreezePhase(unfreezeEpochs, unfreezeLayers, unfreezeLearningRate) : null;
    }
}
