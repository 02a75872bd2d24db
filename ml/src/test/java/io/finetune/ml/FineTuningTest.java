package io.finetune.ml;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.UnfreezePhase;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FINETUNE on a 2-class task from bases trained on the 3-class synthetic task. */
@Tag("slow")
class FineTuningTest {
    @TempDir
    static Path shared;
    static ImageDataset source;
    static ImageDataset target;
    static Path seedBase;
    static Path resBase;

    @TempDir
    Path tmp;

    @BeforeAll
    static void trainBases() throws Exception {
        source = ImageFolders.load(SyntheticImages.classFolders(shared.resolve("source"), 24, 40, 1), 0.25, 0, 3);
        Path t = SyntheticImages.classFolders(shared.resolve("target"), 16, 40, 2);
        deleteTree(t.resolve("stripes"));
        target = ImageFolders.load(t, 0.25, 0, 4);
        try (TrainedModel m = new ModelTrainer().train(TinySpecs.base("seed-cnn", source.classes(), 2), source,
                null, null, null)) {
            seedBase = Packages.write(m, shared.resolve("seed-base"));
        }
        try (TrainedModel m = new ModelTrainer().train(TinySpecs.base("res-cnn", source.classes(), 2), source,
                null, null, null)) {
            resBase = Packages.write(m, shared.resolve("res-base"));
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private Map<String, INDArray> finetune(String arch, Path base, TrainerOptions options, Augmentation aug,
                                           UnfreezePhase unfreeze, boolean trainBatchNorm, String out)
            throws Exception {
        TrainingSpec spec = TinySpecs.finetune(arch, target.classes(), 2, aug, unfreeze, trainBatchNorm);
        try (TrainedModel m = new ModelTrainer(options).train(spec, target, base, null, null)) {
            assertEquals(JobKind.FINETUNE, m.manifest().kind());
            assertEquals("test-model", ModelPackages.readManifest(base).name());
            return Packages.weights(Packages.write(m, tmp.resolve(out)));
        }
    }

    @Test
    void frozenLayersKeepTheBaseWeightsAndTheNewHeadFitsTheNewClassCount() throws Exception {
        Map<String, INDArray> base = Packages.weights(seedBase);
        Map<String, INDArray> tuned = finetune("seed-cnn", seedBase, TrainerOptions.DEFAULT, Augmentation.NONE, null,
                false, "ft");
        for (String conv : List.of("conv1", "conv2", "conv3", "conv4")) {
            assertEquals(base.get(conv + "/W"), tuned.get(conv + "/W"), conv + " must stay frozen");
        }
        assertArrayEquals(new long[]{64, 2}, tuned.get("output/W").shape());
        assertTrue(Packages.maxDifference(base.get("dense2/W"), tuned.get("dense2/W")) > 0);
    }

    @Test
    void cachedFeaturesTrainTheSameHeadAsTheUncachedPath() throws Exception {
        Map<String, INDArray> cached = finetune("seed-cnn", seedBase, TrainerOptions.DEFAULT, Augmentation.NONE,
                null, false, "cached");
        Map<String, INDArray> uncached = finetune("seed-cnn", seedBase, TrainerOptions.DEFAULT.withFeatureCache(false),
                Augmentation.NONE, null, false, "uncached");
        for (String name : cached.keySet()) {
            assertTrue(Packages.maxDifference(cached.get(name), uncached.get(name)) < 1e-4,
                    name + " differs between cached and uncached training");
        }
    }

    @Test
    void batchNormStatisticsStayFrozenByDefaultAndAdaptOnRequest() throws Exception {
        Map<String, INDArray> base = Packages.weights(resBase);
        Map<String, INDArray> kept = finetune("res-cnn", resBase, TrainerOptions.DEFAULT, Augmentation.NONE, null,
                false, "kept");
        Map<String, INDArray> adapted = finetune("res-cnn", resBase, TrainerOptions.DEFAULT, Augmentation.NONE, null,
                true, "adapted");
        assertEquals(base.get("conv1/mean"), kept.get("conv1/mean"));
        assertEquals(base.get("res3/b/var"), kept.get("res3/b/var"));
        assertTrue(Packages.maxDifference(base.get("conv1/mean"), adapted.get("conv1/mean")) > 1e-6);
        assertEquals(base.get("conv1/gamma"), adapted.get("conv1/gamma"), "adapting statistics must not train gamma");
        assertEquals(base.get("conv1/W"), adapted.get("conv1/W"));
    }

    @Test
    void unfreezePhaseTrainsOnlyTheTopFrozenLayers() throws Exception {
        Map<String, INDArray> base = Packages.weights(seedBase);
        TrainingSpec spec = TinySpecs.finetune("seed-cnn", target.classes(), 1, Augmentation.NONE,
                new UnfreezePhase(1, 1, 1e-4), false);
        try (TrainedModel m = new ModelTrainer().train(spec, target, seedBase, null, null)) {
            assertEquals(List.of("head", "unfreeze"), m.manifest().history().stream().map(EpochMetrics::phase)
                    .toList());
            assertEquals(List.of("conv1", "conv2", "conv3"), m.manifest().frozenLayers());
            Map<String, INDArray> tuned = Packages.weights(Packages.write(m, tmp.resolve("unfrozen")));
            assertEquals(base.get("conv3/W"), tuned.get("conv3/W"));
            assertTrue(Packages.maxDifference(base.get("conv4/W"), tuned.get("conv4/W")) > 0);
        }
    }

    @Test
    void aBaseOfAnotherArchitectureIsRejected() {
        TrainingSpec spec = TinySpecs.finetune("res-cnn", target.classes(), 1, Augmentation.NONE, null, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelTrainer().train(spec, target, seedBase, null, null));
        assertTrue(e.getMessage().contains("found seed-cnn"), e.getMessage());
    }

    @Test
    void interruptedAndResumedRunEqualsTheUninterruptedRun() throws Exception {
        TrainingSpec spec = new TrainingSpec(JobKind.FINETUNE, "seed-cnn", target.classes(), TinySpecs.SIZE, 2, 8,
                1e-3, Augmentation.STANDARD, "conv3", new UnfreezePhase(2, 1, 1e-4), null, false, 21);
        Map<String, INDArray> straight;
        List<EpochMetrics> straightHistory;
        try (TrainedModel m = new ModelTrainer().train(spec, target, seedBase, tmp.resolve("ckpt-a"), null)) {
            straight = Packages.weights(Packages.write(m, tmp.resolve("a")));
            straightHistory = m.manifest().history();
        }
        TrainingListener crashInThirdEpoch = new TrainingListener() {
            @Override
            public boolean cancelRequested() {
                return Files.isDirectory(tmp.resolve("ckpt-b/epoch-0002"));
            }
        };
        assertThrows(TrainingCancelledException.class, () -> new ModelTrainer().train(spec, target, seedBase,
                tmp.resolve("ckpt-b"), crashInThirdEpoch));
        try (TrainedModel m = new ModelTrainer().train(spec, target, seedBase, tmp.resolve("ckpt-b"), null)) {
            Map<String, INDArray> resumed = Packages.weights(Packages.write(m, tmp.resolve("b")));
            for (String name : straight.keySet()) {
                assertTrue(Packages.maxDifference(straight.get(name), resumed.get(name)) < 1e-5,
                        name + " differs after resume");
            }
            assertEquals(straightHistory.stream().map(EpochMetrics::validationLoss).toList().size(),
                    m.manifest().history().size());
            for (int i = 0; i < straightHistory.size(); i++) {
                assertEquals(straightHistory.get(i).trainLoss(), m.manifest().history().get(i).trainLoss(), 1e-5);
            }
        }
    }
}
