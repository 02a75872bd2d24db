package io.finetune.ml;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.RejectReason;
import io.finetune.imaging.ImageDecoder;
import io.finetune.ml.data.DecodedSet;
import io.finetune.ml.data.Preprocessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelTrainerTest {
    @TempDir
    static Path shared;
    static ImageDataset data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void generate() throws IOException {
        data = ImageFolders.load(SyntheticImages.classFolders(shared.resolve("data"), 30, 40, 1), 0.2, 0.1, 3);
    }

    @Test
    void baseTrainingLearnsAndTheLoadedPackagePredictsExactlyTheSame() throws Exception {
        List<EpochMetrics> epochs = new ArrayList<>();
        List<Integer> checkpoints = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onEpoch(EpochMetrics metrics) {
                epochs.add(metrics);
            }

            @Override
            public void onCheckpoint(int epoch, Path dir) {
                assertTrue(Files.isRegularFile(dir.resolve("state.json")));
                checkpoints.add(epoch);
            }
        };
        TrainingSpec spec = TinySpecs.base("seed-cnn", data.classes(), 5);
        try (TrainedModel model = new ModelTrainer().train(spec, data, null, tmp.resolve("ckpt"), listener)) {
            assertEquals(5, epochs.size());
            assertEquals(List.of(1, 2, 3, 4, 5), checkpoints);
            EpochMetrics last = epochs.get(4);
            assertTrue(last.validationAccuracy() >= 0.8, "expected the synthetic shapes learned, found " + last);
            assertTrue(last.imagesPerSecond() > 0 && last.seconds() > 0);
            ModelManifest m = model.manifest();
            assertEquals(JobKind.BASE, m.kind());
            assertEquals(epochs, m.history());
            assertNotNull(m.test(), "the dataset has a test split");
            Path dir = Packages.write(model, tmp.resolve("pkg"));
            assertTrue(Files.isRegularFile(dir.resolve(ModelPackages.WEIGHTS)));
            byte[] image = Files.readAllBytes(data.test().get(0).file());
            try (ImageClassifier trained = model.classifier(); ImageClassifier loaded = ModelPackages.load(dir)) {
                assertEquals("test-model", loaded.manifest().name());
                assertEquals(data.classes(), loaded.manifest().classes());
                assertEquals(TinySpecs.SIZE, loaded.manifest().imageSize());
                assertArrayEquals(trained.probabilities(image), loaded.probabilities(image), 1e-6f);
                Prediction p = loaded.predict(image, 2);
                assertEquals(2, p.top().size());
                assertTrue(p.top().get(0).probability() >= p.top().get(1).probability());
                EvaluationReport report = Evaluator.evaluate(loaded, data.test());
                assertEquals(m.test().accuracy(), report.accuracy(), 1e-9);
            }
        }
    }

    @Test
    void packagesAreSafetensorsAndPackagesInTheEarlierFormatStillLoad() throws Exception {
        Path dir;
        try (TrainedModel model = new ModelTrainer().train(TinySpecs.base("seed-cnn", data.classes(), 1), data,
                null, null, null)) {
            dir = Packages.write(model, tmp.resolve("pkg"));
        }
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> weights = Packages.weights(dir);
        try (io.finetune.ml.weights.Safetensors.Reader r = io.finetune.ml.weights.Safetensors.open(
                dir.resolve(ModelPackages.WEIGHTS))) {
            assertEquals(weights.keySet(), r.tensors().keySet());
            assertEquals("finetune", r.metadata().get("format"));
            assertEquals("seed-cnn", r.metadata().get("architecture"));
        }
        byte[] image = Files.readAllBytes(data.test().get(0).file());
        float[] expected;
        try (ImageClassifier current = ModelPackages.load(dir)) {
            expected = current.probabilities(image);
        }
        io.finetune.ml.net.WeightsFile.write(dir.resolve(ModelPackages.LEGACY_WEIGHTS), weights);
        Files.delete(dir.resolve(ModelPackages.WEIGHTS));
        String manifest = Files.readString(dir.resolve(ModelPackages.MANIFEST));
        Files.writeString(dir.resolve(ModelPackages.MANIFEST), manifest.replace("\"" + ModelPackages.WEIGHTS + "\"",
                "\"" + ModelPackages.LEGACY_WEIGHTS + "\""));
        try (ImageClassifier legacy = ModelPackages.load(dir)) {
            assertEquals(ModelPackages.LEGACY_WEIGHTS, legacy.manifest().modelFile());
            assertArrayEquals(expected, legacy.probabilities(image), 0f);
        }
    }

    @Test
    void corruptOrMismatchedPackagesFailWithClearMessages() throws Exception {
        Path dir;
        try (TrainedModel model = new ModelTrainer().train(TinySpecs.base("seed-cnn", data.classes(), 1), data,
                null, null, null)) {
            dir = Packages.write(model, tmp.resolve("pkg"));
        }
        String manifest = Files.readString(dir.resolve(ModelPackages.MANIFEST));
        Files.writeString(dir.resolve(ModelPackages.MANIFEST), manifest.replace("\"circle\",", "\"circle\",\"x\","));
        IOException mismatch = assertThrows(IOException.class, () -> ModelPackages.load(dir));
        assertTrue(mismatch.getMessage().contains("4 classes"), mismatch.getMessage());
        Files.writeString(dir.resolve(ModelPackages.MANIFEST), "{\"schemaVersion\":1,");
        IOException corrupt = assertThrows(IOException.class, () -> ModelPackages.load(dir));
        assertTrue(corrupt.getMessage().contains("expected a valid manifest.json"), corrupt.getMessage());
        Files.delete(dir.resolve(ModelPackages.MANIFEST));
        assertThrows(IOException.class, () -> ModelPackages.load(dir));
    }

    @Test
    void brokenFilesAreSkippedWithTheirReason() throws Exception {
        Path cls = Files.createDirectories(tmp.resolve("broken/circle"));
        Files.write(cls.resolve("empty.jpg"), new byte[0]);
        Files.writeString(cls.resolve("notes.jpg"), "not an image");
        List<LabeledImage> images = List.of(new LabeledImage(cls.resolve("empty.jpg"), 0),
                new LabeledImage(cls.resolve("notes.jpg"), 0), data.train().get(0));
        DecodedSet set = DecodedSet.decode(images, new Preprocessor(new ImageDecoder(), 32,
                io.finetune.contracts.Normalization.UNIT_RGB_NHWC), 2);
        assertEquals(1, set.size());
        assertEquals(List.of(RejectReason.EMPTY_FILE, RejectReason.NOT_AN_IMAGE),
                set.skipped().stream().map(s -> s.reason()).toList());
    }

    @Test
    void cancellationStopsAtABatchBoundary() {
        TrainingListener cancelAtSecondBatch = new TrainingListener() {
            private int batches;

            @Override
            public void onBatch(int epoch, int batch, int total, double loss, double acc, double rate) {
                batches++;
            }

            @Override
            public boolean cancelRequested() {
                return batches >= 2;
            }
        };
        assertThrows(TrainingCancelledException.class, () -> new ModelTrainer().train(
                TinySpecs.base("seed-cnn", data.classes(), 2), data, null, null, cancelAtSecondBatch));
    }

    @Test
    void earlyStoppingEndsARunThatNoLongerImproves() throws Exception {
        TrainingSpec frozenInPlace = new TrainingSpec(JobKind.BASE, "seed-cnn", data.classes(), 32, 6, 16, 1e-9,
                Augmentation.NONE, null, null, 1, false, 5);
        try (TrainedModel model = new ModelTrainer().train(frozenInPlace, data, null, null, null)) {
            assertEquals(2, model.manifest().history().size());
        }
    }

    @Test
    void cosineScheduleDecaysToZeroOverThePhase() {
        io.finetune.contracts.LearningRateSchedule cosine = io.finetune.contracts.LearningRateSchedule.COSINE;
        assertEquals(1e-3, Schedules.rate(cosine, 1e-3, 0, 4), 1e-12);
        assertEquals(0.5e-3, Schedules.rate(cosine, 1e-3, 2, 4), 1e-12);
        assertEquals(1e-3, Schedules.rate(io.finetune.contracts.LearningRateSchedule.CONSTANT, 1e-3, 3, 4), 1e-12);
    }
}
