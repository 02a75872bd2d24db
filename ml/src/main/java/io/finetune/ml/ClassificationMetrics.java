package io.finetune.ml;

import io.finetune.ml.data.SkippedImage;

import java.util.ArrayList;
import java.util.List;

/** Accumulates predictions against labels: loss, accuracy, top-5, confusion matrix, macro-F1. */
public final class ClassificationMetrics {
    private static final double MIN_PROBABILITY = 1e-7;

    private final List<String> classes;
    private final int[][] confusion;
    private double lossSum;
    private int top5;
    private int count;

    public ClassificationMetrics(List<String> classes) {
        this.classes = List.copyOf(classes);
        this.confusion = new int[classes.size()][classes.size()];
    }

    /** Adds one example given its class probabilities. */
    public void add(float[] probabilities, int label) {
        int best = 0;
        int higher = 0;
        for (int i = 0; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
            if (probabilities[i] > probabilities[label]) {
                higher++;
            }
        }
        confusion[label][best]++;
        top5 += higher < 5 ? 1 : 0;
        lossSum -= Math.log(Math.max(MIN_PROBABILITY, probabilities[label]));
        count++;
    }

    public int count() {
        return count;
    }

    public double loss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    public double accuracy() {
        int correct = 0;
        for (int i = 0; i < confusion.length; i++) {
            correct += confusion[i][i];
        }
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    public EvaluationReport report(List<SkippedImage> skipped) {
        int n = classes.size();
        List<Double> perClass = new ArrayList<>();
        double f1Sum = 0;
        for (int c = 0; c < n; c++) {
            int actual = 0;
            int predicted = 0;
            for (int j = 0; j < n; j++) {
                actual += confusion[c][j];
                predicted += confusion[j][c];
            }
            int tp = confusion[c][c];
            perClass.add(actual == 0 ? Double.NaN : (double) tp / actual);
            f1Sum += actual + predicted == 0 ? 0 : 2.0 * tp / (actual + predicted);
        }
        int[][] copy = new int[n][];
        for (int i = 0; i < n; i++) {
            copy[i] = confusion[i].clone();
        }
        return new EvaluationReport(count, loss(), accuracy(), count == 0 ? Double.NaN : (double) top5 / count,
                f1Sum / n, classes, perClass, copy, List.copyOf(skipped));
    }
}
