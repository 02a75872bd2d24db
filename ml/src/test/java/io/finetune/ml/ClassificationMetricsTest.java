package io.finetune.ml;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassificationMetricsTest {
    @Test
    void accuracyMacroF1PerClassAndConfusionFollowTheirDefinitions() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("a", "b", "c"));
        m.add(new float[]{0.7f, 0.2f, 0.1f}, 0);
        m.add(new float[]{0.6f, 0.3f, 0.1f}, 1);
        m.add(new float[]{0.1f, 0.8f, 0.1f}, 1);
        m.add(new float[]{0.1f, 0.1f, 0.8f}, 2);
        EvaluationReport r = m.report(List.of());
        assertEquals(0.75, r.accuracy(), 1e-9);
        assertEquals(1.0, r.top5Accuracy(), 1e-9);
        assertArrayEquals(new int[]{1, 1, 0}, r.confusion()[1]);
        assertEquals(List.of(1.0, 0.5, 1.0), r.perClassAccuracy());
        // F1: a = 2/3, b = 2/3, c = 1
        assertEquals((2.0 / 3 + 2.0 / 3 + 1) / 3, r.macroF1(), 1e-9);
        double loss = -(Math.log(0.7) + Math.log(0.3) + Math.log(0.8) + Math.log(0.8)) / 4;
        assertEquals(loss, r.loss(), 1e-6);
        assertEquals(4, r.toSummary().examples());
        assertTrue(r.toJson().contains("\"confusion\""));
    }

    @Test
    void topFiveCountsTheLabelAmongTheFiveMostProbable() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("0", "1", "2", "3", "4", "5", "6"));
        m.add(new float[]{0.3f, 0.2f, 0.15f, 0.1f, 0.1f, 0.1f, 0.05f}, 6);
        m.add(new float[]{0.3f, 0.2f, 0.15f, 0.1f, 0.09f, 0.08f, 0.08f}, 4);
        assertEquals(0.5, m.report(List.of()).top5Accuracy(), 1e-9);
    }
}
