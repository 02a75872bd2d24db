package io.finetune.ml.net;

import io.finetune.ml.net.MobileLayers.ConvBn;
import io.finetune.ml.net.MobileLayers.MBConv;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oneDNN steps of mobile layers compute what SameDiff computes from the unfolded graph: outputs, the gradients
 * of every weight, gamma and beta through depthwise convolutions, folded batch norm, ReLU6 (saturated values
 * included), residual sums and global average pooling, and whole Adam steps.
 */
class MobileExecutorTest {
    private static final int SIZE = 20;
    private static final int CLASSES = 4;
    /** A small network with every kind of step: strided stem, a block without expansion, a 5x5/2 block at an even
     * size (asymmetric padding), a residual block with expansion, a pooled top and a classifier. */
    private static final Architecture MINI = new Architecture("mini-mobile", "test", List.of(
            new ConvBn("stem", 3, 8, 2, true, false),
            new MBConv("block0", 3, 1, 1, 8),
            new MBConv("block1", 5, 2, 3, 12),
            new MBConv("block2", 3, 1, 2, 12),
            new ConvBn("top", 1, 16, 1, true, true),
            Layers.Dense.classifier("classifier")),
            List.of("stem", "block0", "block1", "block2", "top"), "top");
    private static final Set<String> ALL = Set.of("stem", "block0", "block1", "block2", "top", "classifier");

    @Test
    void outputsMatchSameDiffAndBatchNormUsesItsRunningStatistics() {
        Network net = withTrainedStatistics(Network.initialize(MINI, SIZE, CLASSES, 1));
        INDArray x = input(5, 2);
        InferenceGraph direct = net.inferenceGraph(0, MINI.layers().size(), Engine.AUTO);
        assertInstanceOf(DirectInferenceGraph.class, direct);
        assertClose(net.inferenceGraph(0, MINI.layers().size(), Engine.SAMEDIFF).output(x), direct.output(x),
                "logits");
        int top = MINI.indexOf("top") + 1;
        assertClose(net.inferenceGraph(0, top, Engine.SAMEDIFF).output(x), net.inferenceGraph(0, top, Engine.AUTO)
                .output(x), "pooled features");
        int block2 = MINI.indexOf("block2");
        INDArray cached = net.inferenceGraph(0, block2, Engine.AUTO).output(x);
        assertClose(direct.output(x), net.inferenceGraph(block2, MINI.layers().size(), Engine.AUTO).output(cached),
                "logits from the cached input of block2");
    }

    @Test
    void aBatchRunInSubBatchesGivesTheSameOutputs() {
        Network net = withTrainedStatistics(Network.initialize(MINI, SIZE, CLASSES, 3));
        int layers = MINI.layers().size();
        long perImage = new DirectExecutor(net, 0, layers, net.params(), layers).largestMapBytesPerImage();
        INDArray x = input(7, 4);
        assertClose(new DirectInferenceGraph(net, 0, layers, Long.MAX_VALUE).output(x),
                new DirectInferenceGraph(net, 0, layers, 2 * perImage).output(x), "logits in sub-batches of 2");
    }

    @Test
    void everyGradientOfAFullyTrainableNetworkMatchesSameDiff() {
        Network net = withTrainedStatistics(Network.initialize(MINI, SIZE, CLASSES, 5));
        Map<String, INDArray> grads = assertGradientsMatch(net, 0, ALL, input(4, 6), labels(4));
        assertTrue(grads.containsKey("stem/W") && grads.containsKey("block1/depthwise/gamma")
                && grads.containsKey("block2/expand/beta") && grads.containsKey("top/W"), grads.keySet().toString());
        assertFalse(grads.containsKey("block1/depthwise/mean"), "running statistics get no gradient");
    }

    @Test
    void saturatedReluSixUnitsPassNoGradient() {
        Network net = withTrainedStatistics(Network.initialize(MINI, SIZE, CLASSES, 7));
        INDArray x = input(3, 8).muli(12);
        INDArray stem = net.inferenceGraph(0, 1, Engine.AUTO).output(x);
        long saturated = stem.gte(6f).castTo(DataType.INT32).sumNumber().longValue();
        long zero = stem.lte(0f).castTo(DataType.INT32).sumNumber().longValue();
        assertTrue(saturated > 0 && zero > 0 && saturated + zero < stem.length(),
                "the test needs saturated, zero and linear units: " + saturated + ", " + zero + " of " + stem.length());
        assertGradientsMatch(net, 0, ALL, x, labels(3));
    }

    @Test
    void topBlocksTrainAboveFrozenLayersOrOnTheirCachedInput() {
        Network net = withTrainedStatistics(Network.initialize(MINI, SIZE, CLASSES, 9));
        Set<String> top = Set.of("block2", "top", "classifier");
        INDArray x = input(4, 10);
        Map<String, INDArray> fromImages = assertGradientsMatch(net, 0, top, x, labels(4));
        assertFalse(fromImages.containsKey("block1/project/W"), "block1 is frozen");
        int block2 = MINI.indexOf("block2");
        INDArray cached = net.inferenceGraph(0, block2, Engine.AUTO).output(x);
        Map<String, INDArray> fromCache = assertGradientsMatch(net, block2, top, cached, labels(4));
        fromImages.forEach((name, g) -> assertClose(g, fromCache.get(name), name + " from images and from cache"));
    }

    @Test
    void trainingStepsEndWithTheSameWeightsAsSameDiff() {
        Network a = withTrainedStatistics(Network.initialize(MINI, SIZE, CLASSES, 11));
        Network b = a.copy();
        TrainGraph direct = a.trainGraph(0, ALL, Set.of(), Engine.AUTO);
        TrainGraph sameDiff = b.trainGraph(0, ALL, Set.of(), Engine.SAMEDIFF);
        assertEquals("direct", direct.engine());
        int[] batches = {4, 3, 4};
        for (int i = 0; i < batches.length; i++) {
            INDArray x = input(batches[i], 12 + i);
            INDArray y = labels(batches[i]);
            assertEquals(sameDiff.step(x, y, 1e-3).loss(), direct.step(x, y, 1e-3).loss(), 1e-4, "loss at " + i);
        }
        direct.syncToNetwork();
        sameDiff.syncToNetwork();
        for (String name : a.params().keySet()) {
            double diff = b.params().get(name).castTo(DataType.DOUBLE).sub(a.params().get(name)
                    .castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            assertTrue(diff <= 3e-4, name + " after 3 Adam steps of 1e-3: max difference " + diff);
        }
    }

    @Test
    void batchStatisticsInMobileLayersTrainOnSameDiff() {
        Network net = Network.initialize(MINI, SIZE, CLASSES, 13);
        assertInstanceOf(SameDiffTrainGraph.class, net.trainGraph(0, ALL, Set.of("block2"), Engine.AUTO));
        assertInstanceOf(DirectTrainGraph.class, net.trainGraph(0, ALL, Set.of(), Engine.AUTO));
    }

    private static Map<String, INDArray> assertGradientsMatch(Network net, int from, Set<String> trainable,
                                                              INDArray x, INDArray y) {
        TrainGraph direct = net.copy().trainGraph(from, trainable, Set.of(), Engine.AUTO);
        TrainGraph sameDiff = net.copy().trainGraph(from, trainable, Set.of(), Engine.SAMEDIFF);
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
        return Map.copyOf(g1.gradients());
    }

    /** Batch-norm parameters away from 0/1, so that folding them wrongly shows. */
    static Network withTrainedStatistics(Network net) {
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

    static void assertClose(INDArray expected, INDArray actual, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()),
                what + " shape");
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber()
                .doubleValue();
        assertTrue(diff <= 1e-4 * scale + 1e-6, what + ": max difference " + diff + " at scale " + scale);
    }

    private static INDArray input(int batch, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, batch, SIZE, SIZE, 3).subi(0.5).muli(2);
    }

    private static INDArray labels(int batch) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, (i * 3) % CLASSES, 1f);
        }
        return y;
    }
}
