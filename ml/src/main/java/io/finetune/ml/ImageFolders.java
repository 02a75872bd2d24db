package io.finetune.ml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Loads an image dataset from disk. Layouts, in order of precedence:
 * <ol>
 *   <li>split folders {@code train/}, {@code valid/} or {@code validation/}, optional {@code test/}, each with
 *   one folder per class;</li>
 *   <li>a {@code labels.csv} with columns {@code file,label} (optional {@code split}: train, valid, test), file
 *   paths relative to the root;</li>
 *   <li>one folder per class: split per class from the seed (stratified, deterministic).</li>
 * </ol>
 * Class names are sorted; the label is the index in that order. Files are not decoded here: unusable ones are
 * skipped and reported by whoever decodes them.
 */
public final class ImageFolders {
    private ImageFolders() {
    }

    public static ImageDataset load(Path root, double validationFraction, double testFraction, long seed)
            throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("expected a dataset directory, found none at " + root);
        }
        if (!(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1)) {
            throw new IllegalArgumentException("expected validation and test fractions >= 0 summing below 1, found "
                    + validationFraction + " and " + testFraction);
        }
        Path train = root.resolve("train");
        if (Files.isDirectory(train)) {
            return fromSplitFolders(root, train);
        }
        Path csv = root.resolve("labels.csv");
        if (Files.isRegularFile(csv)) {
            return fromCsv(root, csv, validationFraction, testFraction, seed);
        }
        Map<String, List<Path>> byClass = classFolders(root);
        return split(byClass, validationFraction, testFraction, seed);
    }

    /** Every class folder of {@code dir} with its files, sorted; an empty map if there are none. */
    public static Map<String, List<Path>> classFolders(Path dir) throws IOException {
        Map<String, List<Path>> byClass = new TreeMap<>();
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList()) {
                try (Stream<Path> files = Files.list(child)) {
                    List<Path> list = files.filter(Files::isRegularFile).filter(p -> !hidden(p)).sorted().toList();
                    if (!list.isEmpty()) {
                        byClass.put(child.getFileName().toString(), list);
                    }
                }
            }
        }
        if (byClass.size() < 2) {
            throw new IOException("expected at least 2 class folders with files in " + dir + ", found "
                    + byClass.size());
        }
        return byClass;
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static ImageDataset fromSplitFolders(Path root, Path train) throws IOException {
        Map<String, List<Path>> trainByClass = classFolders(train);
        Path valid = Files.isDirectory(root.resolve("valid")) ? root.resolve("valid") : root.resolve("validation");
        Map<String, List<Path>> validByClass = Files.isDirectory(valid) ? classFolders(valid) : Map.of();
        Map<String, List<Path>> testByClass = Files.isDirectory(root.resolve("test"))
                ? classFolders(root.resolve("test")) : Map.of();
        TreeSet<String> names = new TreeSet<>(trainByClass.keySet());
        names.addAll(validByClass.keySet());
        names.addAll(testByClass.keySet());
        List<String> classes = List.copyOf(names);
        return new ImageDataset(classes, labeled(trainByClass, classes), labeled(validByClass, classes),
                labeled(testByClass, classes));
    }

    private static List<LabeledImage> labeled(Map<String, List<Path>> byClass, List<String> classes) {
        List<LabeledImage> out = new ArrayList<>();
        byClass.forEach((name, files) -> files.forEach(f -> out.add(new LabeledImage(f, classes.indexOf(name)))));
        return out;
    }

    private static ImageDataset fromCsv(Path root, Path csv, double validationFraction, double testFraction,
                                        long seed) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IOException("expected a header line in " + csv + ", found an empty file");
        }
        List<String> header = Arrays.asList(lines.get(0).trim().split(","));
        int fileCol = header.indexOf("file");
        int labelCol = header.contains("slug") ? header.indexOf("slug") : header.indexOf("label");
        int splitCol = header.indexOf("split");
        if (fileCol < 0 || labelCol < 0) {
            throw new IOException("expected columns file and label in " + csv + ", found " + header);
        }
        Map<String, Map<String, List<Path>>> bySplit = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length <= Math.max(fileCol, Math.max(labelCol, splitCol))) {
                throw new IOException("expected " + header.size() + " columns at " + csv + " line " + (i + 1)
                        + ", found " + cells.length);
            }
            String split = splitCol < 0 ? "all" : normalizeSplit(cells[splitCol], csv, i + 1);
            bySplit.computeIfAbsent(split, s -> new TreeMap<>())
                    .computeIfAbsent(cells[labelCol], c -> new ArrayList<>()).add(root.resolve(cells[fileCol]));
        }
        if (bySplit.containsKey("all") || !bySplit.containsKey("train")) {
            Map<String, List<Path>> all = new TreeMap<>();
            bySplit.values().forEach(m -> m.forEach((c, f) -> all.computeIfAbsent(c, k -> new ArrayList<>())
                    .addAll(f)));
            return split(all, validationFraction, testFraction, seed);
        }
        TreeSet<String> names = new TreeSet<>();
        bySplit.values().forEach(m -> names.addAll(m.keySet()));
        List<String> classes = List.copyOf(names);
        return new ImageDataset(classes, labeled(bySplit.get("train"), classes),
                labeled(bySplit.getOrDefault("valid", Map.of()), classes),
                labeled(bySplit.getOrDefault("test", Map.of()), classes));
    }

    private static String normalizeSplit(String split, Path csv, int line) throws IOException {
        return switch (split.trim().toLowerCase()) {
            case "train" -> "train";
            case "valid", "validation", "val" -> "valid";
            case "test" -> "test";
            default -> throw new IOException("expected split train, valid or test at " + csv + " line " + line
                    + ", found '" + split + "'");
        };
    }

    /** Per class: shuffle with a seed derived from (seed, class), then test first, validation next, rest train. */
    private static ImageDataset split(Map<String, List<Path>> byClass, double validationFraction,
                                      double testFraction, long seed) {
        List<String> classes = List.copyOf(new TreeSet<>(byClass.keySet()));
        List<LabeledImage> train = new ArrayList<>();
        List<LabeledImage> validation = new ArrayList<>();
        List<LabeledImage> test = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            List<Path> files = new ArrayList<>(byClass.get(classes.get(label)));
            files.sort(null);
            java.util.Collections.shuffle(files, new Random(seed * 31 + classes.get(label).hashCode()));
            int nTest = (int) Math.round(files.size() * testFraction);
            int nValid = (int) Math.round(files.size() * validationFraction);
            for (int i = 0; i < files.size(); i++) {
                LabeledImage image = new LabeledImage(files.get(i), label);
                (i < nTest ? test : i < nTest + nValid ? validation : train).add(image);
            }
        }
        return new ImageDataset(classes, train, validation, test);
    }
}
