package io.finetune.ml.bench;

import io.finetune.ml.net.Network;
import io.finetune.ml.net.DirectTrainGraph;
import io.finetune.ml.net.Engine;
import io.finetune.ml.net.SameDiffTrainGraph;
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
 * Per-op time of a training step. First the engine the ml module uses for seed-cnn ({@code DirectTrainGraph}:
 * timed around each op kind), then SameDiff's step with ND4J's platform helpers (oneDNN) allowed and disallowed:
 * an op whose time does not change does not run on oneDNN. Prints Markdown lines prefixed {@code md:}.
 */
final class OpTimes extends BaseListener {
    private static final int STEPS = 5;

    private final Map<String, Double> millis = new TreeMap<>();
    private long started;

    private OpTimes() {
    }

    static void profile(Network net, Set<String> trainable, INDArray x, INDArray y) {
        DirectTrainGraph direct = (DirectTrainGraph) net.copy().trainGraph(0, trainable, trainable, Engine.AUTO);
        direct.step(x, y, 1e-3);
        Map<String, Double> ops = direct.recordTimings();
        long start = System.nanoTime();
        for (int i = 0; i < STEPS; i++) {
            direct.step(x, y, 1e-3);
        }
        double stepMillis = (System.nanoTime() - start) / 1e6 / STEPS;
        ops.replaceAll((k, v) -> v / STEPS);
        double opTotal = ops.values().stream().mapToDouble(Double::doubleValue).sum();
        ops.put("rest (loss, Adam, allocation)", stepMillis - opTotal);
        print("Direct executor (what the ml module runs), " + net.architecture().name() + ", whole step %.1f ms:", stepMillis);
        print("");
        print("| op | ms/step | share of step |");
        print("|---|---|---|");
        ops.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).forEach(e ->
                print("| %s | %.1f | %.0f%% |", e.getKey(), e.getValue(), 100 * e.getValue() / stepMillis));
        print("");

        Map<String, Double> with = run(net, trainable, x, y, true);
        Map<String, Double> without = run(net, trainable, x, y, false);
        Nd4j.getEnvironment().allowHelpers(true);
        print("SameDiff (the previous engine; -Dfinetune.ml.engine=samediff), oneDNN helpers on "
                + "and off:");
        print("");
        print("| op | ms/step with oneDNN helpers | ms/step without | share of step |");
        print("|---|---|---|---|");
        double total = with.values().stream().mapToDouble(Double::doubleValue).sum();
        with.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).forEach(e ->
                print("| %s | %.1f | %.1f | %.0f%% |", e.getKey(), e.getValue(),
                        without.getOrDefault(e.getKey(), Double.NaN), 100 * e.getValue() / total));
        print("| total | %.1f | %.1f | |", total, without.values().stream().mapToDouble(Double::doubleValue).sum());
    }

    private static void print(String format, Object... args) {
        System.out.println("md:" + String.format(format, args));
    }

    private static Map<String, Double> run(Network net, Set<String> trainable, INDArray x, INDArray y,
                                           boolean helpers) {
        Nd4j.getEnvironment().allowHelpers(helpers);
        SameDiffTrainGraph graph = (SameDiffTrainGraph) net.copy().trainGraph(0, trainable, trainable,
                Engine.SAMEDIFF);
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
