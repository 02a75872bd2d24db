package io.finetune.ml;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.UnfreezePhase;

import java.util.List;

/** Small, fast specs for tests: 32 px, a few epochs. */
final class TinySpecs {
    static final int SIZE = 32;

    private TinySpecs() {
    }

    static TrainingSpec base(String arch, List<String> classes, int epochs) {
        return new TrainingSpec(JobKind.BASE, arch, classes, SIZE, epochs, 16, 1e-3, Augmentation.NONE, null, null,
                null, false, 11);
    }

    static TrainingSpec finetune(String arch, List<String> classes, int epochs, Augmentation augmentation,
                                 UnfreezePhase unfreeze, boolean trainBatchNorm) {
        return new TrainingSpec(JobKind.FINETUNE, arch, classes, SIZE, epochs, 16, 1e-3, augmentation, null,
                unfreeze, null, trainBatchNorm, 12);
    }
}
