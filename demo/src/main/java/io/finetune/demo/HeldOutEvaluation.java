package io.finetune.demo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Predictions through the gateway on images no dataset contains: accuracy, top-5 accuracy, per-class accuracy and
 * the most confused class pairs of one model version.
 *
 * @param top5Correct images whose class was among the five most probable
 */
public record HeldOutEvaluation(String model, String version, List<String> classes, int[][] confusion,
                                List<Sample> samples, int top5Correct) {

    /** One prediction as shown to the user. */
    public record Sample(String file, String trueClass, List<String> top, List<Double> probabilities) {
    }

    public record ConfusedPair(String trueClass, String predictedClass, int count) {
    }

    public int total() {
        int n = 0;
        for (int[] row : confusion) {
            for (int v : row) {
                n += v;
            }
        }
        return n;
    }

    public double accuracy() {
        int correct = 0;
        for (int i = 0; i < confusion.length; i++) {
            correct += confusion[i][i];
        }
        return total() == 0 ? 0 : (double) correct / total();
    }

    public double top5Accuracy() {
        return total() == 0 ? 0 : (double) top5Correct / total();
    }

    public List<Double> perClassAccuracy() {
        List<Double> acc = new ArrayList<>();
        for (int i = 0; i < confusion.length; i++) {
            int row = 0;
            for (int v : confusion[i]) {
                row += v;
            }
            acc.add(row == 0 ? Double.NaN : (double) confusion[i][i] / row);
        }
        return acc;
    }

    public List<ConfusedPair> mostConfused(int n) {
        List<ConfusedPair> pairs = new ArrayList<>();
        for (int i = 0; i < confusion.length; i++) {
            for (int j = 0; j < confusion.length; j++) {
                if (i != j && confusion[i][j] > 0) {
                    pairs.add(new ConfusedPair(classes.get(i), classes.get(j), confusion[i][j]));
                }
            }
        }
        pairs.sort(Comparator.comparingInt(ConfusedPair::count).reversed()
                .thenComparing(ConfusedPair::trueClass).thenComparing(ConfusedPair::predictedClass));
        return pairs.subList(0, Math.min(n, pairs.size()));
    }
}
