package io.finetune.ml.net;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written executor must compute what SameDiff computes: same outputs, same gradients, same training. */
class DirectExecutorTest {
    private static final int SIZE = 50;
    private static final int CLASSES = 5;

    private final Architecture seedCnn = Architectures.byName(Architectures.SEED_CNN);
    private final Architecture resCnn = Architectures.byName(Architectures.RES_CNN);

    @Test
    void logitsAndProbabilitiesMatchSameDiffAtOddFeatureMapSizes() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 3);
        INDArray x = input(6, 1);
        InferenceGraph direct = net.inferenceGraph(0, seedCnn.layers().size(), Engine.AUTO);
        InferenceGraph sameDiff = net.inferenceGraph(0, seedCnn.layers().size(), Engine.SAMEDIFF);
        assertInstanceOf(DirectInferenceGraph.class, direct);
        assertClose(sameDiff.output(x), direct.output(x), "logits");
        assertClose(sameDiff.probabilities(x), direct.probabilities(x), "probabilities");
        int cut = seedCnn.indexOf("conv4") + 1;
        assertClose(net.inferenceGraph(0, cut, Engine.SAMEDIFF).output(x),
                net.inferenceGraph(0, cut, Engine.AUTO).output(x), "conv4 features");
    }

    @Test
    void aBatchOfOneImageGivesTheSameLogitsAsInABatch() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 9);
        INDArray x = input(3, 6);
        InferenceGraph direct = net.inferenceGraph(0, seedCnn.layers().size(), Engine.AUTO);
        INDArray batch = direct.output(x);
        for (int i = 0; i < 3; i++) {
            INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1)).dup();
            assertClose(batch.getRow(i, true), direct.output(one), "logits of image " + i + " alone");
        }
        assertGradientsMatch(net, 0, layerNames(List.of("conv4", "dense1", "dense2", "output")), input(1, 7),
                labels(1));
    }

    @Test
    void aBatchRunInSubBatchesGivesTheSameOutputsAsInOnePass() {
        Network net = Network.initialize(resCnn, SIZE, CLASSES, 12);
        int layers = resCnn.layers().size();
        DirectInferenceGraph onePass = new DirectInferenceGraph(net, 0, layers, Long.MAX_VALUE);
        long perImage = new DirectExecutor(net, 0, layers, net.params(), layers).largestMapBytesPerImage();
        DirectInferenceGraph inThrees = new DirectInferenceGraph(net, 0, layers, 3 * perImage);
        assertEquals(3, inThrees.subBatch());
        INDArray x = input(8, 13);
        assertClose(onePass.output(x), inThrees.output(x), "logits of 8 images in sub-batches of 3");
        assertClose(onePass.probabilities(x), inThrees.probabilities(x), "probabilities");
        INDArray rows = input(12, 14).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 9));
        assertClose(onePass.output(rows.dup()), inThrees.output(rows), "logits of a view of a larger batch");
        assertClose(onePass.output(x), inThrees.output(x.castTo(DataType.DOUBLE)), "logits of a double input");
        int cut = resCnn.indexOf("conv4") + 1;
        INDArray features = new DirectInferenceGraph(net, 0, cut, 2 * perImage).output(x);
        assertClose(net.inferenceGraph(0, cut, Engine.SAMEDIFF).output(x), features, "conv4 features in twos");
        DirectInferenceGraph head = new DirectInferenceGraph(net, cut, layers, 1);
        assertEquals(1, head.subBatch());
        assertClose(onePass.output(x), head.output(features), "head on features, one image at a time");
    }

    @Test
    void everyGradientOfAFullyTrainableNetworkMatchesSameDiff() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 4);
        Set<String> all = layerNames(seedCnn.layers().stream().map(Layer::name).toList());
        assertGradientsMatch(net, 0, all, input(5, 2), labels(5));
    }

    @Test
    void frozenLayersGetNoGradientAndTheHeadMatchesSameDiff() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 5);
        Set<String> head = layerNames(List.of("conv4", "dense1", "dense2", "output"));
        Map<String, INDArray> grads = assertGradientsMatch(net, 0, head, input(4, 3), labels(4));
        assertFalse(grads.containsKey("conv1/W"), "conv1 is frozen");
        assertTrue(grads.containsKey("conv4/W"));
    }

    @Test
    void aHeadOnCachedFeaturesMatchesSameDiff() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 6);
        int cut = seedCnn.indexOf("conv4") + 1;
        INDArray features = net.inferenceGraph(0, cut, Engine.SAMEDIFF).output(input(4, 4));
        assertGradientsMatch(net, cut, layerNames(List.of("dense1", "dense2", "output")), features, labels(4));
    }

    @Test
    void trainingStepsWithChangingBatchSizesEndWithTheSameWeightsAsSameDiff() {
        Network a = Network.initialize(seedCnn, SIZE, CLASSES, 7);
        Network b = a.copy();
        Set<String> all = layerNames(seedCnn.layers().stream().map(Layer::name).toList());
        TrainGraph direct = a.trainGraph(0, all, Set.of(), Engine.AUTO);
        TrainGraph sameDiff = b.trainGraph(0, all, Set.of(), Engine.SAMEDIFF);
        assertEquals("direct", direct.engine());
        int[] batches = {4, 3, 4, 2, 4};
        for (int i = 0; i < batches.length; i++) {
            INDArray x = input(batches[i], 10 + i);
            INDArray y = labels(batches[i]);
            TrainGraph.StepResult r1 = direct.step(x, y, 1e-3);
            TrainGraph.StepResult r2 = sameDiff.step(x, y, 1e-3);
            assertEquals(r2.loss(), r1.loss(), 1e-4, "loss at step " + i);
        }
        direct.syncToNetwork();
        sameDiff.syncToNetwork();
        for (String name : a.params().keySet()) {
            assertClose(b.params().get(name), a.params().get(name), name + " after 5 steps");
        }
    }

    @Test
    void softLabelsGiveTheSameLossAndGradientsAsSameDiff() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 8);
        INDArray y = Nd4j.rand(DataType.FLOAT, 3, CLASSES);
        y.diviColumnVector(y.sum(1).reshape(3, 1));
        assertGradientsMatch(net, 0, layerNames(List.of("dense2", "output")), input(3, 5), y);
    }

    @Test
    void convolutionAndPoolingInSubBatchesGiveTheSameOutputsAndGradientsAsWholeBatches() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 11);
        int layers = seedCnn.layers().size();
        long twoImagesOfConv1 = 2L * 4 * (SIZE - 2) * (SIZE - 2) * 32;
        INDArray x = input(9, 12); // conv1's output for 9 images is over 4 x two images': it runs in sub-batches
        DirectExecutor whole = new DirectExecutor(net, 0, layers, net.params(), layers, Set.of(), Long.MAX_VALUE);
        DirectExecutor inferring = new DirectExecutor(net, 0, layers, net.params(), layers, Set.of(), twoImagesOfConv1);
        INDArray expected = whole.forward(x).dup();
        assertClose(expected, inferring.forward(x), "logits from sub-batches of 2, 2, 2, 2 and 1 image");
        assertClose(expected, new DirectExecutor(net, 0, layers, net.params(), layers, Set.of(), 1).forward(x),
                "logits from single images");
        INDArray larger = input(13, 12);
        larger.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 12)).assign(x);
        INDArray view = larger.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 12));
        assertClose(expected, inferring.forward(view), "logits from sub-batches of a view of a larger batch");

        // conv1 and conv2 frozen: conv1 runs in sub-batches, the layers above train on its output
        int conv3 = seedCnn.indexOf("conv3");
        DirectExecutor frozen = new DirectExecutor(net, 0, layers, net.params(), conv3, Set.of(), twoImagesOfConv1);
        DirectExecutor frozenWhole = new DirectExecutor(net, 0, layers, net.params(), conv3, Set.of(), Long.MAX_VALUE);
        assertClose(expected, frozen.forward(x), "logits while training above frozen layers");
        frozenWhole.forward(x);
        INDArray dLogits = Nd4j.rand(DataType.FLOAT, 9, CLASSES);
        Map<String, INDArray> chunked = Map.copyOf(frozen.backward(dLogits));
        Map<String, INDArray> unchunked = frozenWhole.backward(dLogits);
        assertEquals(unchunked.keySet(), chunked.keySet());
        assertTrue(chunked.containsKey("conv3/W") && !chunked.containsKey("conv2/W"), chunked.keySet().toString());
        unchunked.forEach((name, g) -> assertClose(g, chunked.get(name), "gradient of " + name));
    }

    @Test
    void residualNetworkLogitsMatchSameDiffWithRunningStatistics() {
        Network net = withTrainedStatistics(Network.initialize(resCnn, SIZE, CLASSES, 21));
        INDArray x = input(5, 22);
        InferenceGraph direct = net.inferenceGraph(0, resCnn.layers().size(), Engine.AUTO);
        assertInstanceOf(DirectInferenceGraph.class, direct);
        assertClose(net.inferenceGraph(0, resCnn.layers().size(), Engine.SAMEDIFF).output(x), direct.output(x),
                "logits");
        int cut = resCnn.indexOf("res4") + 1;
        assertClose(net.inferenceGraph(0, cut, Engine.SAMEDIFF).output(x), net.inferenceGraph(0, cut, Engine.AUTO)
                .output(x), "res4 features");
    }

    @Test
    void residualNetworkGradientsAndRunningStatisticsMatchSameDiffWithBatchStatistics() {
        Network net = withTrainedStatistics(Network.initialize(resCnn, SIZE, CLASSES, 23));
        Set<String> all = layerNames(resCnn.layers().stream().map(Layer::name).toList());
        Network direct = net.copy();
        Network sameDiff = net.copy();
        assertGradientsMatch(direct, sameDiff, 0, all, all, input(4, 24), labels(4));
        for (String name : net.params().keySet()) {
            if (name.endsWith("/mean") || name.endsWith("/var")) {
                assertClose(sameDiff.params().get(name), direct.params().get(name), "running statistic " + name);
                assertTrue(!net.params().get(name).equalsWithEps(direct.params().get(name), 1e-6),
                        name + " moved towards the batch statistics");
            }
        }
    }

    @Test
    void frozenBatchNormKeepsOrAdaptsItsStatisticsAsSameDiffDoes() {
        Network net = withTrainedStatistics(Network.initialize(resCnn, SIZE, CLASSES, 25));
        Set<String> top = layerNames(List.of("res4", "pool", "dense1", "output"));
        // kept statistics: the frozen layers normalize with their running statistics, the trainable ones with the
        // batch's; the trainable block's statistics move, the frozen ones' do not
        Network direct = net.copy();
        Network sameDiff = net.copy();
        Map<String, INDArray> grads = assertGradientsMatch(direct, sameDiff, 0, top, top, input(3, 26), labels(3));
        assertFalse(grads.containsKey("conv4/W"), "conv4 is frozen");
        assertTrue(grads.containsKey("res4/a/gamma"));
        assertClose(net.params().get("conv4/mean"), direct.params().get("conv4/mean"), "frozen conv4 mean");
        assertClose(sameDiff.params().get("res4/b/var"), direct.params().get("res4/b/var"), "res4/b variance");
        // adapted statistics: every layer normalizes with the batch's; the frozen statistics move too
        Set<String> all = layerNames(resCnn.layers().stream().map(Layer::name).toList());
        Network adaptDirect = net.copy();
        Network adaptSameDiff = net.copy();
        assertGradientsMatch(adaptDirect, adaptSameDiff, 0, top, all, input(3, 26), labels(3));
        assertClose(adaptSameDiff.params().get("conv1/mean"), adaptDirect.params().get("conv1/mean"),
                "adapted conv1 mean");
        assertTrue(!net.params().get("conv1/mean").equalsWithEps(adaptDirect.params().get("conv1/mean"), 1e-6));
    }

    /**
     * From trained-looking batch-norm parameters: at initialization (gamma 1, beta 0) the deep batch-statistics
     * gradients of the lowest layers are ill-conditioned, and the two executors' float results drifted apart by up
     * to 2% of the gradient's scale after conv1-conv3 and res3 (finite differences sided with neither); every block
     * alone matched to 1e-6.
     */
    @Test
    void residualNetworkTrainingStepsEndWithTheSameWeightsAsSameDiff() {
        Network a = withTrainedStatistics(Network.initialize(resCnn, SIZE, CLASSES, 27));
        Network b = a.copy();
        Set<String> all = layerNames(resCnn.layers().stream().map(Layer::name).toList());
        TrainGraph direct = a.trainGraph(0, all, all, Engine.AUTO);
        TrainGraph sameDiff = b.trainGraph(0, all, all, Engine.SAMEDIFF);
        assertEquals("direct", direct.engine());
        int[] batches = {4, 3, 4};
        for (int i = 0; i < batches.length; i++) {
            INDArray x = input(batches[i], 30 + i);
            INDArray y = labels(batches[i]);
            assertEquals(sameDiff.step(x, y, 1e-3).loss(), direct.step(x, y, 1e-3).loss(), 1e-4, "loss at step " + i);
        }
        direct.syncToNetwork();
        sameDiff.syncToNetwork();
        // Adam moves a weight by up to the learning rate a step whatever its gradient's size, so float noise in
        // tiny gradients shows at the scale of the steps: within 10% of the 3e-3 the weights can move (measured:
        // up to 1.9e-4, in res3/b/W); running statistics as tight as gradients
        for (String name : a.params().keySet()) {
            double diff = b.params().get(name).castTo(DataType.DOUBLE).sub(a.params().get(name)
                    .castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            boolean statistic = name.endsWith("/mean") || name.endsWith("/var");
            assertTrue(diff <= (statistic ? 1e-4 * b.params().get(name).amaxNumber().doubleValue() : 3e-4),
                    name + " after 3 steps: max difference " + diff);
        }
    }

    @Test
    void aStridedConvolutionAboveTheFirstLayerRunsOnSameDiff() {
        Architecture arch = new Architecture("strided", "test", List.of(
                new Layers.Conv("stem", 3, 8, 1, true, true, true, false),
                new Layers.Conv("down", 3, 8, 2, true, true, true, false), new Layers.GlobalAveragePool("pool"),
                Layers.Dense.classifier("output")), List.of("stem", "down"), "down");
        assertTrue(DirectExecutor.supports(Architectures.byName(Architectures.RES_CNN), 0, resCnn.layers().size()),
                "res-cnn's strided stem is its first layer");
        assertFalse(DirectExecutor.supports(arch, 0, arch.layers().size()));
        assertTrue(DirectExecutor.supports(arch, 2, arch.layers().size()), "above the strided layer");
        Network net = Network.initialize(arch, 16, CLASSES, 1);
        assertInstanceOf(SameDiffTrainGraph.class, net.trainGraph(0, Set.of("output"), Set.of(), Engine.AUTO));
    }

    /** Running statistics, gamma and beta away from their initial 0/1, so that using the wrong ones shows. */
    private static Network withTrainedStatistics(Network net) {
        Nd4j.getRandom().setSeed(99);
        net.params().forEach((name, p) -> {
            if (name.endsWith("/mean") || name.endsWith("/beta")) {
                p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).subi(0.5));
            } else if (name.endsWith("/var") || name.endsWith("/gamma")) {
                p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).addi(0.5));
            }
        });
        return net;
    }

    private Map<String, INDArray> assertGradientsMatch(Network net, int from, Set<String> trainableLayers,
                                                       INDArray x, INDArray y) {
        return assertGradientsMatch(net.copy(), net.copy(), from, trainableLayers, Set.of(), x, y);
    }

    /** Gradients from the direct executor on {@code a} and from SameDiff on {@code b} (equal copies). */
    private Map<String, INDArray> assertGradientsMatch(Network a, Network b, int from, Set<String> trainableLayers,
                                                       Set<String> batchStatistics, INDArray x, INDArray y) {
        TrainGraph direct = a.trainGraph(from, trainableLayers, batchStatistics, Engine.AUTO);
        TrainGraph sameDiff = b.trainGraph(from, trainableLayers, batchStatistics, Engine.SAMEDIFF);
        assertInstanceOf(DirectTrainGraph.class, direct);
        TrainGraph.Gradients g1 = direct.gradients(x, y);
        TrainGraph.Gradients g2 = sameDiff.gradients(x, y);
        assertEquals(g2.loss(), g1.loss(), 1e-5, "loss");
        assertClose(g2.logits(), g1.logits(), "logits");
        assertEquals(sameDiff.trainableParams(), direct.trainableParams());
        for (String name : sameDiff.trainableParams()) {
            assertClose(g2.gradients().get(name).reshape(g1.gradients().get(name).shape()),
                    g1.gradients().get(name), "gradient of " + name);
        }
        return g1.gradients();
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what + " shape");
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-4 * scale + 1e-6, what + ": max difference " + diff + " at scale " + scale);
    }

    private Set<String> layerNames(List<String> names) {
        return new HashSet<>(names);
    }

    private static INDArray input(int batch, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, batch, SIZE, SIZE, 3);
    }

    private static INDArray labels(int batch) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, (i * 3) % CLASSES, 1f);
        }
        return y;
    }
}
