package io.finetune.dataset;

import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.RejectReason;
import io.finetune.contracts.RejectedFile;
import io.finetune.contracts.Split;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads the layout of a dataset directory. Three layouts are understood:
 * <ul>
 *   <li>{@code labels.csv} at the root with columns {@code file,label} and optionally {@code slug} (used as the
 *   class name when present) and {@code split};</li>
 *   <li>split folders: {@code train|valid|validation|val|test/<class>/...};</li>
 *   <li>class folders: {@code <class>/...} (the usual one).</li>
 * </ul>
 * Files directly at the root (README, LICENSE, classes.tsv), hidden files and {@code __MACOSX} are not candidates.
 * A single wrapping folder (an archive of {@code flower5/...}) is looked through. Class names are folder names made
 * into valid names (lower case, other characters as '_').
 */
public final class SourceScanner {
    public static final String LABELS_CSV = "labels.csv";
    private static final Set<String> SPLIT_FOLDERS = Set.of("train", "valid", "validation", "val", "test");

    /** Checks every file met (for example against import roots); may refuse the whole source. */
    @FunctionalInterface
    public interface FileGuard {
        void check(Path file) throws Exception;
    }

    private final FileGuard guard;

    public SourceScanner(FileGuard guard) {
        this.guard = guard;
    }

    public SourceListing scan(Path root) throws Exception {
        Path base = unwrap(root);
        if (Files.isRegularFile(base.resolve(LABELS_CSV))) {
            return fromLabels(base);
        }
        List<Path> dirs = subdirectories(base);
        boolean splitFolders = !dirs.isEmpty() && dirs.stream()
                .allMatch(d -> SPLIT_FOLDERS.contains(d.getFileName().toString().toLowerCase(Locale.ROOT)));
        List<SourceFile> files = new ArrayList<>();
        List<RejectedFile> rejected = new ArrayList<>();
        if (splitFolders) {
            for (Path splitDir : dirs) {
                Split split = Split.fromKey(splitDir.getFileName().toString());
                for (Path classDir : subdirectories(splitDir)) {
                    addClass(base, classDir, split, files, rejected);
                }
            }
        } else {
            for (Path classDir : dirs) {
                addClass(base, classDir, null, files, rejected);
            }
        }
        files.sort(Comparator.comparing(SourceFile::name));
        return new SourceListing(files, rejected);
    }

    private void addClass(Path base, Path classDir, Split split, List<SourceFile> files, List<RejectedFile> rejected)
            throws Exception {
        String folder = classDir.getFileName().toString();
        String className = className(folder);
        for (Path file : walk(classDir)) {
            String name = relative(base, file);
            if (className == null) {
                rejected.add(new RejectedFile(name, RejectReason.UNKNOWN_LABEL, "expected a class folder name with "
                        + "letters or digits, found '" + folder + "'"));
            } else {
                files.add(new SourceFile(file, name, className, split));
            }
        }
    }

    private SourceListing fromLabels(Path base) throws Exception {
        guard.check(base.resolve(LABELS_CSV).toRealPath());
        List<String> lines = Files.readAllLines(base.resolve(LABELS_CSV), StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("expected labels.csv with a header 'file,label[,split]', found an "
                    + "empty file");
        }
        List<String> header = csv(lines.get(0)).stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        int file = header.indexOf("file");
        int label = header.indexOf("label");
        int slug = header.indexOf("slug");
        int split = header.indexOf("split");
        if (file < 0 || label < 0) {
            throw new IllegalArgumentException("expected labels.csv header with columns 'file' and 'label' (and "
                    + "optionally 'slug', 'split'), found '" + lines.get(0) + "'");
        }
        Map<String, String[]> labelled = new HashMap<>();
        List<RejectedFile> rejected = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            List<String> row = csv(lines.get(i));
            if (row.size() < header.size()) {
                throw new IllegalArgumentException("labels.csv line " + (i + 1) + ": expected " + header.size()
                        + " columns, found " + row.size() + " in '" + lines.get(i) + "'");
            }
            String name = row.get(file).trim().replace('\\', '/');
            String cls = slug >= 0 && !row.get(slug).isBlank() ? row.get(slug).trim() : row.get(label).trim();
            String sp = split >= 0 ? row.get(split).trim() : "";
            labelled.put(name, new String[]{cls, sp, Integer.toString(i + 1)});
        }
        List<SourceFile> files = new ArrayList<>();
        for (Path dir : subdirectories(base)) {
            for (Path f : walk(dir)) {
                String name = relative(base, f);
                String[] entry = labelled.remove(name);
                if (entry == null) {
                    rejected.add(new RejectedFile(name, RejectReason.UNKNOWN_LABEL, "expected a row for this file in "
                            + "labels.csv, found none"));
                    continue;
                }
                String cls = className(entry[0]);
                if (cls == null) {
                    rejected.add(new RejectedFile(name, RejectReason.UNKNOWN_LABEL, "labels.csv line " + entry[2]
                            + ": expected a label with letters or digits, found '" + entry[0] + "'"));
                    continue;
                }
                Split given;
                try {
                    given = entry[1].isEmpty() ? null : Split.fromKey(entry[1]);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("labels.csv line " + entry[2] + ": " + e.getMessage());
                }
                files.add(new SourceFile(f, name, cls, given));
            }
        }
        if (!labelled.isEmpty()) {
            String first = labelled.keySet().stream().sorted().findFirst().orElseThrow();
            throw new IllegalArgumentException("labels.csv names " + labelled.size() + " file(s) that do not exist, "
                    + "expected every listed file under " + base.getFileName() + ", found '" + first + "' missing");
        }
        files.sort(Comparator.comparing(SourceFile::name));
        return new SourceListing(files, rejected);
    }

    /** Looks through a single wrapping folder (an archive whose entries all start with one directory). */
    private Path unwrap(Path root) throws IOException {
        Path current = root;
        for (int depth = 0; depth < 3; depth++) {
            List<Path> dirs = subdirectories(current);
            boolean hasFiles;
            try (Stream<Path> s = Files.list(current)) {
                hasFiles = s.anyMatch(p -> Files.isRegularFile(p) && !hidden(p));
            }
            if (dirs.size() != 1 || hasFiles || subdirectories(dirs.get(0)).isEmpty()) {
                return current;
            }
            current = dirs.get(0);
        }
        return current;
    }

    private List<Path> subdirectories(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList();
        }
    }

    private List<Path> walk(Path dir) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            files = s.filter(p -> !hiddenAnywhere(dir, p)).filter(Files::isRegularFile).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (Path f : files) {
            guard.check(f.toRealPath());
        }
        return files;
    }

    private static boolean hiddenAnywhere(Path dir, Path p) {
        for (Path part : dir.relativize(p)) {
            if (hidden(part)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hidden(Path p) {
        String n = p.getFileName().toString();
        return n.startsWith(".") || n.equals("__MACOSX") || n.equalsIgnoreCase("Thumbs.db");
    }

    private static String relative(Path base, Path file) {
        return base.relativize(file).toString().replace('\\', '/');
    }

    /** A folder name or label made into a valid class name, or null when nothing usable is left. */
    static String className(String raw) {
        String slug = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "_").replaceAll("^[._-]+", "");
        if (slug.length() > 64) {
            slug = slug.substring(0, 64);
        }
        return ObjectLayout.NAME.matcher(slug).matches() ? slug : null;
    }

    static List<String> csv(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }
}
