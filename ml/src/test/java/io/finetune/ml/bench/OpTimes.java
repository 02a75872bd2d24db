package io.finetune.ml.bench;

import io.finetune.ml.net.Network;
import io.finetune.ml.net.TrainGraph;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-op time of a training step, with ND4J's platform helpers (oneDNN) allowed and then disallowed: an op whose
 * time does not change does not run on oneDNN.
 */
final class OpTimes extends BaseListener {
    private static final int STEPS = 5;

    private final Map<String, Double> millis = new TreeMap<>();
    private long started;

    private OpTimes() {
    }

    static void profile(Network net, Set<String> trainable, INDArray x, INDArray y) {
        Map<String, Double> with = run(net, trainable, x, y, true);
        Map<String, Double> without = run(net, trainable, x, y, false);
        Nd4j.getEnvironment().allowHelpers(true);
        System.out.println("| op | ms/step with oneDNN helpers | ms/step without | share of step |");
        System.out.println("|---|---|---|---|");
        double total = with.values().stream().mapToDouble(Double::doubleValue).sum();
        with.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).forEach(e ->
                System.out.printf("| %s | %.1f | %.1f | %.0f%% |%n", e.getKey(), e.getValue(),
                        without.getOrDefault(e.getKey(), Double.NaN), 100 * e.getValue() / total));
        System.out.printf("| total | %.1f | %.1f | |%n", total,
                without.values().stream().mapToDouble(Double::doubleValue).sum());
    }

    private static Map<String, Double> run(Network net, Set<String> trainable, INDArray x, INDArray y,
                                           boolean helpers) {
        Nd4j.getEnvironment().allowHelpers(helpers);
        TrainGraph graph = net.copy().trainGraph(0, trainable, trainable);
        graph.step(x, y, 1e-3);
        OpTimes times = new OpTimes();
        graph.addListener(times);
        for (int i = 0; i < STEPS; i++) {
            graph.step(x, y, 1e-3);
        }
        times.millis.replaceAll((k, v) -> v / STEPS);
        return times.millis;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        started = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                            INDArray[] outputs) {
        millis.merge(op.getOp().opName(), (System.nanoTime() - started) / 1e6, Double::sum);
    }
}
