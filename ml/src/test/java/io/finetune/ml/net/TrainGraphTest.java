package io.finetune.ml.net;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The optimizer step shared by both executors: Adam state layout, restore, and subnormal flushing. */
class TrainGraphTest {
    private static final int SIZE = 50;
    private static final int CLASSES = 3;
    private static final float SUBNORMAL = 1e-39f;

    private final Architecture seedCnn = Architectures.byName(Architectures.SEED_CNN);

    @Test
    void subnormalAdamMomentsOfAWeightWithZeroGradientBecomeExactlyZero() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 1);
        int cut = seedCnn.indexOf("conv4") + 1;
        TrainGraph head = net.trainGraph(cut, Set.of("dense1", "dense2", "output"), Set.of());
        Shape features = net.shapeAt(cut);
        INDArray x = Nd4j.rand(DataType.FLOAT, features.batchShape(4));
        x.reshape(4, features.size()).getColumn(0).assign(0); // feature 0 is dead: dense1/W row 0 gets no gradient
        INDArray y = Nd4j.eye(CLASSES).getRows(0, 1, 2, 0);

        Map<String, INDArray> state = head.optimizerState();
        INDArray dense1 = state.get("dense1/W");
        long length = dense1.length() / 2;
        dense1.putScalar(0, SUBNORMAL);            // first moment of W[0, 0]
        dense1.putScalar(length, SUBNORMAL);       // second moment of W[0, 0]
        dense1.putScalar(1, 0.5f);                 // first moment of W[0, 1]: a normal value decays, stays
        head.restoreOptimizerState(state);
        head.step(x, y, 1e-3);                     // iteration 0 flushes

        INDArray after = head.optimizerState().get("dense1/W");
        assertEquals(0f, after.getFloat(0), "first moment of a dead weight, 0.9 x 1e-39, flushed");
        assertEquals(0f, after.getFloat(length), "second moment, 0.999 x 1e-39, flushed");
        assertEquals(0.45f, after.getFloat(1), 1e-6f, "a normal first moment decays by beta1 and is kept");
        assertTrue(after.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(length, 2 * length)).sumNumber()
                .doubleValue() > 0, "live weights get second moments");
    }

    @Test
    void optimizerStateRestoredIntoAFreshGraphContinuesIdentically() {
        Network a = Network.initialize(seedCnn, SIZE, CLASSES, 2);
        Network b = a.copy();
        Set<String> layers = Set.of("conv4", "dense1", "dense2", "output");
        TrainGraph first = a.trainGraph(0, layers, Set.of());
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, SIZE, SIZE, 3);
        INDArray y = Nd4j.eye(CLASSES);
        for (int i = 0; i < 3; i++) {
            first.step(x, y, 1e-3);
        }
        first.syncToNetwork();
        Network resumedNet = a.copy();
        TrainGraph resumed = resumedNet.trainGraph(0, layers, Set.of());
        resumed.restoreOptimizerState(first.optimizerState());
        first.step(x, y, 1e-3);
        resumed.step(x, y, 1e-3);
        first.syncToNetwork();
        resumed.syncToNetwork();
        for (String name : first.trainableParams()) {
            assertArrayEquals(a.params().get(name).data().asFloat(), resumedNet.params().get(name).data().asFloat(),
                    name);
            assertNotEquals(0.0, a.params().get(name).sub(b.params().get(name)).amaxNumber().doubleValue(),
                    name + " trained");
        }
    }

    @Test
    void optimizerStateOfTheWrongLengthIsRefusedNamingTheParameter() {
        Network net = Network.initialize(seedCnn, SIZE, CLASSES, 3);
        TrainGraph graph = net.trainGraph(0, Set.of("output"), Set.of());
        Map<String, INDArray> state = graph.optimizerState();
        state.put("output/W", Nd4j.zeros(DataType.FLOAT, 7));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> graph.restoreOptimizerState(state));
        assertTrue(e.getMessage().contains("output/W") && e.getMessage().contains("found length 7"), e.getMessage());
    }

    @Test
    void weightDecayAddsTheL2PenaltyToTheGradientsOfTheGivenParametersOnly() {
        Architecture res = Architectures.byName(Architectures.RES_CNN);
        Network net = Network.initialize(res, SIZE, CLASSES, 2);
        Set<String> top = Set.of("res4", "pool", "dense1", "output");
        int from = res.indexOf("res4");
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, net.shapeAt(from).batchShape(4));
        INDArray y = Nd4j.eye(CLASSES).getRows(0, 1, 2, 0);
        TrainGraph plain = net.copy().trainGraph(from, top, Set.of());
        TrainGraph decayed = net.copy().trainGraph(from, top, Set.of());
        double lambda = 0.05;
        Set<String> fresh = Set.of("dense1/W", "dense1/b", "output/W", "output/b", "res4/a/W");
        decayed.setWeightDecay(lambda, fresh);
        plain.step(x, y, 1e-3);
        decayed.step(x, y, 1e-3);
        // after one step the first moment is (1 - beta1) times the gradient the optimizer saw
        for (String name : plain.trainableParams()) {
            INDArray m0 = firstMoment(plain, name);
            INDArray m1 = firstMoment(decayed, name);
            INDArray expected = fresh.contains(name)
                    ? m0.add(net.params().get(name).reshape(m0.length()).mul(0.1 * lambda)) : m0;
            assertTrue(expected.equalsWithEps(m1, 1e-6), name + ": first moment " + m1 + " expected " + expected);
        }
    }

    private static INDArray firstMoment(TrainGraph graph, String name) {
        INDArray state = graph.optimizerState().get(name);
        return state.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, state.length() / 2)).dup();
    }
}
