package io.finetune.ml;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.UnfreezePhase;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingSpecTest {
    private static final List<String> CLASSES = List.of("a", "b", "c");

    private static TrainingCommand command(JobKind kind, String arch, HyperParameters h, Long seed) {
        return new TrainingCommand(TrainingCommand.SCHEMA_VERSION, "job-1", kind, "m", new DatasetRef("d", "1"),
                kind == JobKind.FINETUNE ? new ModelRef("base", "1") : null, arch, h, seed);
    }

    private static HyperParameters hyper(String cut, UnfreezePhase unfreeze) {
        return new HyperParameters(5, 32, 1e-3, 96, null, cut, unfreeze, null, null);
    }

    @Test
    void finetuneCommandResolvesTheDefaultCutPointAndDefaults() {
        TrainingSpec spec = TrainingSpec.from(command(JobKind.FINETUNE, "seed-cnn", hyper(null, null), 7L), CLASSES);
        assertEquals("conv4", spec.freezeCutPoint());
        assertEquals(Augmentation.NONE, spec.augmentation());
        assertEquals(7L, spec.seed());
        assertEquals(5, spec.totalEpochs());
    }

    @Test
    void missingSeedIsDerivedFromTheJobIdDeterministically() {
        TrainingSpec a = TrainingSpec.from(command(JobKind.BASE, "seed-cnn", hyper(null, null), null), CLASSES);
        TrainingSpec b = TrainingSpec.from(command(JobKind.BASE, "seed-cnn", hyper(null, null), null), CLASSES);
        assertEquals(a.seed(), b.seed());
    }

    @Test
    void rejectsUnknownArchitectureCutPointAndUnfreezeDepth() {
        IllegalArgumentException arch = assertThrows(IllegalArgumentException.class,
                () -> TrainingSpec.from(command(JobKind.BASE, "resnet50", hyper(null, null), 1L), CLASSES));
        assertTrue(arch.getMessage().contains("found 'resnet50'"), arch.getMessage());
        IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
                () -> TrainingSpec.from(command(JobKind.FINETUNE, "seed-cnn", hyper("conv9", null), 1L), CLASSES));
        assertTrue(cut.getMessage().contains("found 'conv9'"), cut.getMessage());
        IllegalArgumentException unfreeze = assertThrows(IllegalArgumentException.class,
                () -> TrainingSpec.from(command(JobKind.FINETUNE, "seed-cnn", hyper("conv2",
                        new UnfreezePhase(2, 3, 1e-4)), 1L), CLASSES));
        assertTrue(unfreeze.getMessage().startsWith("expected unfreeze.layers 1 to 2"), unfreeze.getMessage());
    }

    @Test
    void rejectsFreezingOutsideFinetuneAndTooSmallImages() {
        assertThrows(IllegalArgumentException.class,
                () -> TrainingSpec.from(command(JobKind.SCRATCH, "seed-cnn", hyper("conv4", null), 1L), CLASSES));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> TrainingSpec.from(command(JobKind.BASE, "seed-cnn",
                        new HyperParameters(5, 32, 1e-3, 24, null, null, null, null, null), 1L), CLASSES));
        assertTrue(size.getMessage().contains("found 24"), size.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TrainingSpec.from(command(JobKind.BASE, "seed-cnn", hyper(null, null), 1L), List.of("a")));
    }
}
