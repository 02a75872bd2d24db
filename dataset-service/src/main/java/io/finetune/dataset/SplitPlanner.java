package io.finetune.dataset;

import io.finetune.contracts.Split;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;

/**
 * Assigns every image a split, per class (stratified) and deterministically: images are ordered by content hash
 * and shuffled with a generator seeded from the ingest seed and the class name, so the same content and seed give
 * the same splits whatever the file names or the order they were found in.
 */
public final class SplitPlanner {
    /** An image to place: its content hash (the ordering key) and the split its source gives, if any. */
    public record Item(String sha256, Split given) {
    }

    private SplitPlanner() {
    }

    /** Splits by class name, then content hash. */
    public static Map<String, Split> plan(SortedMap<String, List<Item>> byClass, IngestOptions options) {
        boolean anyGiven = byClass.values().stream().flatMap(List::stream).anyMatch(i -> i.given() != null);
        if (options.splitMode() == SplitMode.GIVEN && !anyGiven) {
            throw new IllegalArgumentException("expected given splits (train/valid/test folders or a labels.csv "
                    + "split column) with split=given, found none");
        }
        boolean keepGiven = anyGiven && options.splitMode() != SplitMode.RATIOS;
        boolean carveTest = keepGiven && options.testFraction() > 0 && byClass.values().stream()
                .flatMap(List::stream).noneMatch(i -> i.given() == Split.TEST);
        Map<String, Split> plan = new HashMap<>();
        for (Map.Entry<String, List<Item>> e : byClass.entrySet()) {
            Random random = new Random(options.seed() * 1_000_003L + e.getKey().hashCode());
            List<String> undecided = new ArrayList<>();
            List<String> validation = new ArrayList<>();
            for (Item item : e.getValue()) {
                if (keepGiven && item.given() != null) {
                    plan.put(item.sha256(), item.given());
                    if (item.given() == Split.VALIDATION) {
                        validation.add(item.sha256());
                    }
                } else {
                    undecided.add(item.sha256());
                }
            }
            draw(undecided, options, random, plan);
            if (carveTest) {
                List<String> shuffled = shuffled(validation, random);
                int n = (int) Math.round(shuffled.size() * options.testFraction());
                if (n == 0 && shuffled.size() >= 2) {
                    n = 1;
                }
                for (String sha : shuffled.subList(0, n)) {
                    plan.put(sha, Split.TEST);
                }
            }
        }
        return plan;
    }

    private static void draw(List<String> shas, IngestOptions options, Random random, Map<String, Split> plan) {
        List<String> order = shuffled(shas, random);
        int n = order.size();
        int test = share(n, options.testRatio());
        int validation = share(n, options.validationRatio());
        if (test + validation >= n) {
            test = Math.min(test, Math.max(0, (n - 1) / 2));
            validation = Math.min(validation, Math.max(0, n - 1 - test));
        }
        for (int i = 0; i < n; i++) {
            Split split = i < test ? Split.TEST : i < test + validation ? Split.VALIDATION : Split.TRAIN;
            plan.put(order.get(i), split);
        }
    }

    /** A ratio's share of n, at least one image once a class has three, so that no split of a class is empty. */
    private static int share(int n, double ratio) {
        if (ratio <= 0) {
            return 0;
        }
        int k = (int) Math.round(n * ratio);
        return k == 0 && n >= 3 ? 1 : k;
    }

    private static List<String> shuffled(List<String> shas, Random random) {
        List<String> order = new ArrayList<>(shas);
        Collections.sort(order);
        Collections.shuffle(order, random);
        return order;
    }
}
