package io.finetune.contracts;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.finetune.contracts.ContractCodecTest.FINETUNE;
import static io.finetune.contracts.ContractCodecTest.HP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContractValidatorTest {

    private static List<String> fields(Object message) {
        return ContractValidator.validate(message).stream().map(FieldError::field).toList();
    }

    @Test
    void aCompleteFinetuneCommandIsValid() {
        assertEquals(List.of(), fields(FINETUNE));
    }

    @Test
    void finetuneWithoutBaseModelIsRejected() {
        var c = new TrainingCommand(1, "j", JobKind.FINETUNE, "m", new DatasetRef("d", "1"), null, "seed-cnn", HP, 1L);
        assertEquals(List.of("baseModel"), fields(c));
    }

    @Test
    void baseWithABaseModelOrFreezeSettingsIsRejected() {
        var c = new TrainingCommand(1, "j", JobKind.BASE, "m", new DatasetRef("d", "1"), new ModelRef("b", "1"),
                "seed-cnn", HP, 1L);
        assertTrue(fields(c).containsAll(List.of("baseModel", "hyperParameters.unfreeze")), fields(c).toString());
    }

    @Test
    void impossibleHyperParametersNameEachField() {
        var hp = new HyperParameters(0, -1, 5, 4, new Augmentation(true, 90, 0, 2, -1), null, null, -2, null);
        var c = new TrainingCommand(1, "j", JobKind.SCRATCH, "m", new DatasetRef("d", "1"), null, "seed-cnn", hp, 1L);
        assertEquals(List.of("hyperParameters.epochs", "hyperParameters.batchSize", "hyperParameters.imageSize",
                "hyperParameters.learningRate", "hyperParameters.augmentation.maxRotationDegrees",
                "hyperParameters.augmentation.minCropScale", "hyperParameters.augmentation.brightness",
                "hyperParameters.augmentation.contrast", "hyperParameters.earlyStoppingPatience"), fields(c));
    }

    @Test
    void fineTuningRecipeSettingsAreCheckedAndNamed() {
        var bad = new HyperParameters(5, 32, 1e-3, 224, null, null, null, null, null, 17, 0.5, null, -0.1, 1.0);
        var c = new TrainingCommand(1, "j", JobKind.FINETUNE, "m", new DatasetRef("d", "1"), new ModelRef("b", "1"),
                "efficientnet-lite0", bad, 1L);
        assertEquals(List.of("hyperParameters.views", "hyperParameters.dropout", "hyperParameters.weightDecay",
                "hyperParameters.labelSmoothing"), fields(c));
        var good = new HyperParameters(5, 32, 1e-3, 224, null, null, new UnfreezePhase(4, 4, 3e-4), null, null, 8,
                0.1, LearningRateSchedule.COSINE, 1e-3, 0.2);
        assertEquals(List.of(), fields(new TrainingCommand(1, "j", JobKind.FINETUNE, "m", new DatasetRef("d", "1"),
                new ModelRef("b", "1"), "efficientnet-lite0", good, 1L)));
        var views = new HyperParameters(5, 32, 1e-3, 224, null, null, null, null, null, 4, null, null, null, null);
        assertEquals(List.of("hyperParameters.views"), fields(new TrainingCommand(1, "j", JobKind.BASE, "m",
                new DatasetRef("d", "1"), null, "seed-cnn", views, 1L)), "views cache frozen layers: FINETUNE only");
    }

    @Test
    void aPretrainedModelKindIsNotACommand() {
        var c = new TrainingCommand(1, "j", JobKind.PRETRAINED, "m", new DatasetRef("d", "1"), null, "x", HP, 1L);
        assertEquals(List.of("kind"), fields(c));
    }

    @Test
    void namesThatCouldEscapeTheObjectLayoutAreRejected() {
        var c = new TrainingCommand(1, "../etc", JobKind.BASE, "Bad/Name", new DatasetRef("..", ""), null, "", HP,
                1L);
        assertTrue(fields(c).containsAll(List.of("jobId", "modelName", "dataset.name", "dataset.version",
                "architecture")), fields(c).toString());
    }

    @Test
    void anArchitectureOutsideTheRegistryIsRejectedNamingTheKnownOnes() {
        var c = new TrainingCommand(1, "j", JobKind.FINETUNE, "m", new DatasetRef("d", "1"), new ModelRef("b", "1"),
                "vgg-16", HP, 1L);
        List<FieldError> errors = ContractValidator.validate(c);
        assertEquals(List.of("architecture"), errors.stream().map(FieldError::field).toList());
        assertEquals("expected one of " + ArchitectureNames.ALL + ", found 'vgg-16'", errors.get(0).message());
        for (String known : ArchitectureNames.ALL) {
            assertEquals(List.of(), fields(new TrainingCommand(1, "j", JobKind.FINETUNE, "m", new DatasetRef("d", "1"),
                    new ModelRef("b", "1"), known, HP, 1L)), known);
        }
    }

    @Test
    void cancelNeedsOnlyTheJobId() {
        assertEquals(List.of(), fields(new TrainingCommand(1, "job-7", JobKind.CANCEL, null, null, null, null, null,
                null)));
    }

    @Test
    void objectLayoutPutsEveryKindOfObjectUnderItsPrefix() {
        assertEquals("datasets/flower5/3/train/daisy/ab12.jpg",
                ObjectLayout.datasetImage("flower5", "3", Split.TRAIN, "daisy", "ab12", "jpg"));
        assertEquals("datasets/flower5/3/shards/000012.bin", ObjectLayout.datasetShard("flower5", "3", 12));
        assertEquals("datasets/flower5/3/manifest.jsonl", ObjectLayout.datasetManifest("flower5", "3"));
        assertEquals("models/m/2/manifest.json", ObjectLayout.modelManifest("m", "2"));
        assertEquals("models/m/latest", ObjectLayout.modelLatest("m"));
        assertEquals("jobs/j/checkpoints/epoch-4/", ObjectLayout.jobCheckpointPrefix("j", 4));
    }
}
