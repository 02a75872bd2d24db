package io.finetune.trainer;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.Normalization;
import io.finetune.contracts.TrainingCommand;
import io.finetune.ml.TrainingSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandValidatorTest {
    private static final List<String> CLASSES = List.of("a", "b", "c");

    static TrainingCommand command(JobKind kind, String architecture, int imageSize, String cut) {
        return new TrainingCommand(TrainingCommand.SCHEMA_VERSION, "job", kind, "m", new DatasetRef("d", "1"),
                kind == JobKind.FINETUNE ? new ModelRef("base", "1") : null, architecture,
                new HyperParameters(2, 8, 0.01, imageSize, Augmentation.NONE, cut, null, null, null), 7L);
    }

    static ModelManifest base(String architecture, int imageSize) {
        return new ModelManifest(ModelManifest.SCHEMA_VERSION, "base", "1", JobKind.BASE, architecture,
                List.of("x", "y"), imageSize, Normalization.UNIT_RGB_NHWC, "weights.bin", null, List.of(), null, null,
                null, 1, List.of(), null, null);
    }

    @Test
    void aBaseCommandBecomesASpecWithTheDatasetsClasses() {
        TrainingSpec spec = CommandValidator.spec(command(JobKind.BASE, "res-cnn", 16, null), CLASSES, null);
        assertEquals(CLASSES, spec.classes());
        assertEquals(7L, spec.seed());
    }

    @Test
    void aFinetuneWithADifferentInputSizeThanItsBaseNamesBothSizes() {
        InvalidCommandException e = assertThrows(InvalidCommandException.class, () -> CommandValidator.spec(
                command(JobKind.FINETUNE, "res-cnn", 24, null), CLASSES, base("res-cnn", 16)));
        assertTrue(e.getMessage().contains("expected hyperParameters.imageSize 16"), e.getMessage());
        assertTrue(e.getMessage().contains("found 24"), e.getMessage());
    }

    @Test
    void aFinetuneOnAnotherArchitectureThanItsBaseIsRejected() {
        InvalidCommandException e = assertThrows(InvalidCommandException.class, () -> CommandValidator.spec(
                command(JobKind.FINETUNE, "seed-cnn", 16, null), CLASSES, base("res-cnn", 16)));
        assertTrue(e.getMessage().contains("expected architecture res-cnn"), e.getMessage());
    }

    @Test
    void aFinetuneMayChangeTheClassCountAndGetsTheDefaultCutPoint() {
        TrainingSpec spec = CommandValidator.spec(command(JobKind.FINETUNE, "res-cnn", 16, null), CLASSES,
                base("res-cnn", 16));
        assertEquals(3, spec.classes().size());
        assertEquals("conv4", spec.freezeCutPoint());
    }

    @Test
    void anUnknownCutPointOrArchitectureIsInvalid() {
        assertThrows(InvalidCommandException.class, () -> CommandValidator.spec(
                command(JobKind.FINETUNE, "res-cnn", 16, "no-such-layer"), CLASSES, base("res-cnn", 16)));
        InvalidCommandException e = assertThrows(InvalidCommandException.class, () -> CommandValidator.spec(
                command(JobKind.BASE, "nope", 16, null), CLASSES, null));
        assertTrue(e.getMessage().contains("found 'nope'"), e.getMessage());
    }

    @Test
    void anImageSizeTooSmallForTheArchitectureIsInvalid() {
        assertThrows(InvalidCommandException.class, () -> CommandValidator.spec(
                command(JobKind.BASE, "seed-cnn", 8, null), CLASSES, null));
    }
}
