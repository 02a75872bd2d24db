package io.finetune.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How an ingest splits, stores and augments, with every default filled in.
 *
 * @param trainRatio        share of each class drawn into train when splits are drawn
 * @param validationRatio   share drawn into validation
 * @param testRatio         share drawn into test
 * @param splitMode         whether given splits are kept
 * @param testFraction      with given splits and no given test split: the share of each class's validation images
 *                          carved out (stratified, seeded) as the test split
 * @param seed              seeds the split draw and the augmentations
 * @param storage           originals, or resized so that the longer side is at most {@code maxSide}
 * @param maxSide           longer side of stored images under {@link StoragePolicy#RESIZED}
 * @param augmentCopies     offline-augmented copies made of each training image
 * @param minImagesPerClass classes with fewer accepted images are rejected whole
 */
public record IngestOptions(double trainRatio, double validationRatio, double testRatio, SplitMode splitMode,
                            double testFraction, long seed, StoragePolicy storage, int maxSide, int augmentCopies,
                            int minImagesPerClass) {
    public static final IngestOptions DEFAULTS = new IngestOptions(0.8, 0.1, 0.1, SplitMode.AUTO, 0.0, 42L,
            StoragePolicy.ORIGINALS, 512, 0, 2);
    public static final int MAX_AUGMENT_COPIES = 20;

    /** Fills what the caller left out with defaults and checks the rest; throws naming every bad field. */
    public static IngestOptions of(Double train, Double validation, Double test, String split, Double testFraction,
                                   Long seed, String storage, Integer maxSide, Integer augmentCopies,
                                   Integer minImagesPerClass) {
        IngestOptions d = DEFAULTS;
        List<String> errors = new ArrayList<>();
        boolean anyRatio = train != null || validation != null || test != null;
        double tr = train != null ? train : anyRatio ? 0 : d.trainRatio;
        double va = validation != null ? validation : anyRatio ? 0 : d.validationRatio;
        double te = test != null ? test : anyRatio ? 0 : d.testRatio;
        ratio("train", tr, errors);
        ratio("validation", va, errors);
        ratio("test", te, errors);
        if (Math.abs(tr + va + te - 1.0) > 1e-6) {
            errors.add("expected train + validation + test ratios to sum to 1, found " + tr + " + " + va + " + "
                    + te + " = " + (tr + va + te));
        }
        if (tr <= 0) {
            errors.add("expected a positive train ratio, found " + tr);
        }
        SplitMode mode = d.splitMode;
        if (split != null) {
            try {
                mode = SplitMode.valueOf(split.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add("expected split one of auto, given, ratios, found '" + split + "'");
            }
        }
        double tf = testFraction != null ? testFraction : d.testFraction;
        if (tf < 0 || tf >= 1 || Double.isNaN(tf)) {
            errors.add("expected testFraction in [0, 1), found " + tf);
        }
        StoragePolicy policy = d.storage;
        if (storage != null) {
            String s = storage.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            if (s.equals("ORIGINALS") || s.equals("ORIGINAL")) {
                policy = StoragePolicy.ORIGINALS;
            } else if (s.equals("RESIZED") || s.equals("RESIZED_TO_MAX_SIDE")) {
                policy = StoragePolicy.RESIZED;
            } else {
                errors.add("expected storage originals or resized, found '" + storage + "'");
            }
        }
        int side = maxSide != null ? maxSide : d.maxSide;
        if (side < 16 || side > 8192) {
            errors.add("expected maxSide between 16 and 8192, found " + side);
        }
        int copies = augmentCopies != null ? augmentCopies : d.augmentCopies;
        if (copies < 0 || copies > MAX_AUGMENT_COPIES) {
            errors.add("expected augmentCopies between 0 and " + MAX_AUGMENT_COPIES + ", found " + copies);
        }
        int min = minImagesPerClass != null ? minImagesPerClass : d.minImagesPerClass;
        if (min < 1) {
            errors.add("expected minImagesPerClass of at least 1, found " + min);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        return new IngestOptions(tr, va, te, mode, tf, seed != null ? seed : d.seed, policy, side, copies, min);
    }

    private static void ratio(String field, double value, List<String> errors) {
        if (Double.isNaN(value) || value < 0 || value > 1) {
            errors.add("expected " + field + " ratio between 0 and 1, found " + value);
        }
    }
}
