package io.finetune.ml;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.LearningRateSchedule;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.Normalization;
import io.finetune.contracts.UnfreezePhase;
import io.finetune.contracts.WeightsSource;
import io.finetune.ml.net.Architectures;
import io.finetune.ml.net.Network;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FINETUNE from a pretrained-backbone package (EfficientNet-Lite0 with random weights at 32 px, so that it runs in a
 * unit test): the head on cached augmented views, the unfreeze phase on cached block inputs, pretrained batch-norm
 * statistics kept, checkpoints and resume in both phases.
 */
@Tag("slow")
class BackboneFineTuningTest {
    private static final int SIZE = 32;

    @TempDir
    static Path shared;
    static ImageDataset data;
    static Path backbone;

    @TempDir
    Path tmp;

    @BeforeAll
    static void createBackbone() throws Exception {
        data = ImageFolders.load(SyntheticImages.classFolders(shared.resolve("data"), 12, 40, 5), 0.25, 0, 6);
        Network net = Network.initialize(Architectures.byName("efficientnet-lite0"), SIZE, 10, 3);
        Nd4j.getRandom().setSeed(4);
        net.params().forEach((name, p) -> {
            if (name.endsWith("/mean") || name.endsWith("/beta")) {
                p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).subi(0.5).muli(0.2));
            } else if (name.endsWith("/var") || name.endsWith("/gamma")) {
                p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).addi(0.5));
            }
        });
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            classes.add("imagenet-" + i);
        }
        backbone = shared.resolve("backbone");
        ModelManifest m = new ModelManifest(ModelManifest.SCHEMA_VERSION, "test-backbone", "1", JobKind.PRETRAINED,
                "efficientnet-lite0", classes, SIZE, Normalization.EFFICIENTNET_LITE, ModelPackages.WEIGHTS, null,
                List.of(), null, null, null, 0, List.of(), null, ProvenanceFactory.current().withPretrained(
                new WeightsSource("model.safetensors", "0".repeat(64), "Apache-2.0", "test")));
        ModelPackages.write(backbone, m, net);
    }

    private static TrainingSpec spec(int epochs, int views, UnfreezePhase unfreeze) {
        return spec(epochs, views, unfreeze, 0.2);
    }

    private static TrainingSpec spec(int epochs, int views, UnfreezePhase unfreeze, double dropout) {
        return new TrainingSpec(JobKind.FINETUNE, "efficientnet-lite0", data.classes(), SIZE, epochs, 8, 3e-3,
                views > 1 ? FineTuneDefaults.BACKBONE_AUGMENTATION : Augmentation.NONE, null, unfreeze, null, false,
                17, views, 0.1, LearningRateSchedule.COSINE, 1e-3, dropout);
    }

    @Test
    void theHeadTrainsOnCachedViewsAndTheBackboneStaysAsImported() throws Exception {
        Map<String, INDArray> base = Packages.weights(backbone);
        List<String> phases = new ArrayList<>();
        int[] cached = {0, 0};
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onEpoch(EpochMetrics metrics) {
                phases.add(metrics.phase());
            }

            @Override
            public void onCaching(int done, int total) {
                cached[0] = done;
                cached[1] = total;
            }
        };
        try (TrainedModel m = new ModelTrainer().train(spec(2, 3, null), data, backbone, null, listener)) {
            assertEquals(List.of("head", "head"), phases);
            assertEquals(3 * data.train().size() + data.validation().size(), cached[1], "3 views + validation");
            assertEquals(cached[1], cached[0]);
            assertEquals(Normalization.EFFICIENTNET_LITE.resizeMode(), m.manifest().normalization().resizeMode(),
                    "the base's preprocessing");
            assertEquals("test", m.manifest().provenance().pretrained().origin(), "the backbone's provenance");
            assertEquals(3, m.manifest().hyperParameters().views());
            Map<String, INDArray> tuned = Packages.weights(Packages.write(m, tmp.resolve("ft")));
            for (String name : base.keySet()) {
                if (!name.startsWith("classifier/")) {
                    assertEquals(base.get(name), tuned.get(name), name + " must stay as imported");
                }
            }
            assertEquals(List.of(1280L, 3L), List.of(tuned.get("classifier/W").shape()[0],
                    tuned.get("classifier/W").shape()[1]));
        }
    }

    @Test
    void cachedViewsOfPlainImagesTrainTheSameHeadAsTheUncachedPath() throws Exception {
        Map<String, INDArray> cached;
        Map<String, INDArray> uncached;
        // without dropout, which applies to cached classifier inputs only
        try (TrainedModel m = new ModelTrainer().train(spec(2, 1, null, 0), data, backbone, null, null)) {
            cached = Packages.weights(Packages.write(m, tmp.resolve("cached")));
        }
        try (TrainedModel m = new ModelTrainer(TrainerOptions.DEFAULT.withFeatureCache(false)).train(
                spec(2, 1, null, 0), data, backbone, null, null)) {
            uncached = Packages.weights(Packages.write(m, tmp.resolve("uncached")));
        }
        for (String name : cached.keySet()) {
            assertTrue(Packages.maxDifference(cached.get(name), uncached.get(name)) < 1e-4, name);
        }
    }

    @Test
    void theUnfreezePhaseTrainsTheTopLayersWithTheirStatisticsKept() throws Exception {
        Map<String, INDArray> base = Packages.weights(backbone);
        try (TrainedModel m = new ModelTrainer().train(spec(1, 2, new UnfreezePhase(2, 2, 1e-3)), data, backbone,
                null, null)) {
            assertEquals(List.of("head", "unfreeze", "unfreeze"), m.manifest().history().stream()
                    .map(EpochMetrics::phase).toList());
            Map<String, INDArray> tuned = Packages.weights(Packages.write(m, tmp.resolve("unfrozen")));
            assertEquals(base.get("block14/project/W"), tuned.get("block14/project/W"), "block14 stays frozen");
            assertTrue(Packages.maxDifference(base.get("block15/expand/W"), tuned.get("block15/expand/W")) > 0);
            assertTrue(Packages.maxDifference(base.get("top/gamma"), tuned.get("top/gamma")) > 0, "gamma trains");
            assertEquals(base.get("top/mean"), tuned.get("top/mean"), "statistics are kept");
            assertEquals(base.get("block15/depthwise/var"), tuned.get("block15/depthwise/var"));
        }
    }

    @Test
    void aRunInterruptedInEitherPhaseResumesToTheSameModel() throws Exception {
        TrainingSpec spec = spec(2, 2, new UnfreezePhase(2, 2, 1e-3));
        Map<String, INDArray> straight;
        try (TrainedModel m = new ModelTrainer().train(spec, data, backbone, tmp.resolve("ckpt-a"), null)) {
            straight = Packages.weights(Packages.write(m, tmp.resolve("a")));
        }
        for (int crashAfter : new int[]{1, 3}) {
            Path ckpt = tmp.resolve("ckpt-" + crashAfter);
            String marker = String.format("epoch-%04d", crashAfter);
            TrainingListener crash = new TrainingListener() {
                @Override
                public boolean cancelRequested() {
                    return Files.isDirectory(ckpt.resolve(marker));
                }
            };
            assertThrows(TrainingCancelledException.class, () -> new ModelTrainer().train(spec, data, backbone,
                    ckpt, crash));
            try (TrainedModel m = new ModelTrainer().train(spec, data, backbone, ckpt, null)) {
                Map<String, INDArray> resumed = Packages.weights(Packages.write(m, tmp.resolve("b" + crashAfter)));
                for (String name : straight.keySet()) {
                    assertTrue(Packages.maxDifference(straight.get(name), resumed.get(name)) < 1e-5,
                            name + " differs after resuming from epoch " + crashAfter);
                }
            }
        }
    }
}
