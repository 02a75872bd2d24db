package io.finetune.dataset;

import io.finetune.contracts.Split;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SplitPlannerTest {
    private static SortedMap<String, List<SplitPlanner.Item>> classes(int perClass, Split given) {
        SortedMap<String, List<SplitPlanner.Item>> byClass = new TreeMap<>();
        for (String c : List.of("a", "b")) {
            List<SplitPlanner.Item> items = new ArrayList<>();
            for (int i = 0; i < perClass; i++) {
                items.add(new SplitPlanner.Item(Hashes.sha256((c + i).getBytes()), given));
            }
            byClass.put(c, items);
        }
        return byClass;
    }

    private static long count(Map<String, Split> plan, Split split) {
        return plan.values().stream().filter(s -> s == split).count();
    }

    @Test
    void ratiosAreStratifiedPerClass() {
        Map<String, Split> plan = SplitPlanner.plan(classes(100, null), IngestOptions.of(0.7, 0.2, 0.1, null, null,
                1L, null, null, null, null));
        assertEquals(140, count(plan, Split.TRAIN));
        assertEquals(40, count(plan, Split.VALIDATION));
        assertEquals(20, count(plan, Split.TEST));
    }

    @Test
    void sameSeedSamePlanWhateverTheOrder() {
        IngestOptions options = IngestOptions.DEFAULTS;
        SortedMap<String, List<SplitPlanner.Item>> a = classes(50, null);
        SortedMap<String, List<SplitPlanner.Item>> shuffled = new TreeMap<>();
        a.forEach((k, v) -> {
            List<SplitPlanner.Item> copy = new ArrayList<>(v);
            Collections.reverse(copy);
            shuffled.put(k, copy);
        });
        assertEquals(SplitPlanner.plan(a, options), SplitPlanner.plan(shuffled, options));
        assertNotEquals(SplitPlanner.plan(a, options), SplitPlanner.plan(a, IngestOptions.of(null, null, null, null,
                null, 99L, null, null, null, null)));
    }

    @Test
    void givenSplitsAreKeptAndTestIsCarvedFromValidation() {
        SortedMap<String, List<SplitPlanner.Item>> byClass = classes(10, Split.TRAIN);
        byClass.forEach((c, items) -> {
            for (int i = 0; i < 10; i++) {
                items.add(new SplitPlanner.Item(Hashes.sha256((c + "v" + i).getBytes()), Split.VALIDATION));
            }
        });
        Map<String, Split> kept = SplitPlanner.plan(byClass, IngestOptions.DEFAULTS);
        assertEquals(20, count(kept, Split.TRAIN));
        assertEquals(20, count(kept, Split.VALIDATION));
        assertEquals(0, count(kept, Split.TEST));
        Map<String, Split> carved = SplitPlanner.plan(byClass, IngestOptions.of(null, null, null, "given", 0.5, null,
                null, null, null, null));
        assertEquals(20, count(carved, Split.TRAIN));
        assertEquals(10, count(carved, Split.VALIDATION));
        assertEquals(10, count(carved, Split.TEST));
        Map<String, Split> drawn = SplitPlanner.plan(byClass, IngestOptions.of(null, null, null, "ratios", null, null,
                null, null, null, null));
        assertEquals(32, count(drawn, Split.TRAIN));
    }

    @Test
    void givenModeWithoutGivenSplitsIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> SplitPlanner.plan(classes(5, null),
                IngestOptions.of(null, null, null, "given", null, null, null, null, null, null)));
    }
}
