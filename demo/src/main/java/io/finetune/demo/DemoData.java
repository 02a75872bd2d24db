package io.finetune.demo;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Lays out what the demo ingests, under a cache folder the dataset service may import from: the chosen classes and
 * images of Flower5 ({@code <class>/*.jpg}) and Flower102 ({@code train|valid/<class>/*.jpg}), plus held-out images
 * that no dataset contains, for the predictions at the end. Files are hard links where possible. A prepared
 * layout is complete when its marker exists, so that a second run ingests identical content.
 */
public final class DemoData {
    private static final String COMPLETE = ".complete";

    /** Where a prepared layout lives and what it holds. */
    public record Prepared(Path flower5, Path flower102, Path heldOutFlower5, Path heldOutFlower102,
                           List<String> flower5Classes, List<String> flower102Classes) {
    }

    private DemoData() {
    }

    public static Prepared prepare(Path flower5Source, Path flower102Source, DemoSettings settings, Path cache)
            throws IOException {
        requireDirectory(flower5Source, "Flower5");
        requireDirectory(flower102Source.resolve("train"), "Flower102 train split");
        requireDirectory(flower102Source.resolve("valid"), "Flower102 valid split");
        Path root = cache.resolve("demo").resolve(settings.name());
        Path f5 = root.resolve("flower5");
        Path f102 = root.resolve("flower102");
        Path h5 = root.resolve("heldout/flower5");
        Path h102 = root.resolve("heldout/flower102");
        List<String> classes5 = pick(classes(flower5Source), settings.flower5Classes());
        List<String> classes102 = pick(classes(flower102Source.resolve("train")), settings.flower102Classes());
        if (!Files.exists(root.resolve(COMPLETE))) {
            deleteRecursively(root);
            int heldOut = settings.heldOutPerClass();
            for (String c : classes5) {
                List<Path> images = images(flower5Source.resolve(c));
                int keep = images.size() - heldOut;
                link(images.subList(keep, images.size()), h5.resolve(c));
                link(limit(images.subList(0, keep), settings.flower5ImagesPerClass()), f5.resolve(c));
            }
            for (String c : classes102) {
                List<Path> valid = images(flower102Source.resolve("valid").resolve(c));
                int keep = valid.size() - heldOut;
                link(valid.subList(keep, valid.size()), h102.resolve(c));
                link(limit(valid.subList(0, keep), settings.flower102ImagesPerClass()), f102.resolve("valid").resolve(c));
                link(limit(images(flower102Source.resolve("train").resolve(c)), settings.flower102ImagesPerClass()),
                        f102.resolve("train").resolve(c));
            }
            Files.writeString(root.resolve(COMPLETE), "prepared from " + flower5Source + " and " + flower102Source
                    + "\n");
        }
        return new Prepared(f5, f102, h5, h102, classes5, classes102);
    }

    /** Default sources: {@code ../shared/datasets} beside the repository, when present. */
    public static Path sharedDatasets(Path repositoryRoot) {
        String env = System.getenv("FINETUNE_DATASETS");
        return env != null && !env.isBlank() ? Path.of(env) : repositoryRoot.toAbsolutePath().getParent()
                .resolve("shared/datasets");
    }

    static List<String> classes(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Spreads the chosen classes over the sorted list, so a small subset is not all one kind of flower. */
    static List<String> pick(List<String> all, int count) {
        if (count <= 0 || count >= all.size()) {
            return all;
        }
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            chosen.add(all.get((int) ((long) i * all.size() / count)));
        }
        return chosen;
    }

    static List<Path> images(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
            }).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    private static List<Path> limit(List<Path> images, int n) {
        return n <= 0 || n >= images.size() ? images : images.subList(0, n);
    }

    private static void link(List<Path> files, Path targetDir) throws IOException {
        Files.createDirectories(targetDir);
        for (Path f : files) {
            Path target = targetDir.resolve(f.getFileName());
            try {
                Files.createLink(target, f.toRealPath());
            } catch (FileAlreadyExistsException e) {
                // already laid out by an earlier, interrupted run
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void requireDirectory(Path dir, String what) {
        if (!Files.isDirectory(dir)) {
            throw new DemoException("expected the " + what + " images in " + dir + ", found no such folder");
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
