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
        DirectExecutor whole = new DirectExecutor(net, 0, layers, net.params(), layers, Long.MAX_VALUE);
        DirectExecutor inferring = new DirectExecutor(net, 0, layers, net.params(), layers, twoImagesOfConv1);
        INDArray expected = whole.forward(x).dup();
        assertClose(expected, inferring.forward(x), "logits from sub-batches of 2, 2, 2, 2 and 1 image");
        assertClose(expected, new DirectExecutor(net, 0, layers, net.params(), layers, 1).forward(x),
                "logits from single images");

        // conv1 and conv2 frozen: conv1 runs in sub-batches, the layers above train on its output
        int conv3 = seedCnn.indexOf("conv3");
        DirectExecutor frozen = new DirectExecutor(net, 0, layers, net.params(), conv3, twoImagesOfConv1);
        DirectExecutor frozenWhole = new DirectExecutor(net, 0, layers, net.params(), conv3, Long.MAX_VALUE);
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
    void architecturesWithBatchNormRunOnSameDiff() {
        Architecture res = Architectures.byName(Architectures.RES_CNN);
        assertFalse(DirectExecutor.supports(res, 0, res.layers().size()));
        Network net = Network.initialize(res, 64, CLASSES, 1);
        assertInstanceOf(SameDiffTrainGraph.class, net.trainGraph(0, Set.of("output"), Set.of(), Engine.AUTO));
    }

    private Map<String, INDArray> assertGradientsMatch(Network net, int from, Set<String> trainableLayers,
                                                       INDArray x, INDArray y) {
        TrainGraph direct = net.copy().trainGraph(from, trainableLayers, Set.of(), Engine.AUTO);
        TrainGraph sameDiff = net.copy().trainGraph(from, trainableLayers, Set.of(), Engine.SAMEDIFF);
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
