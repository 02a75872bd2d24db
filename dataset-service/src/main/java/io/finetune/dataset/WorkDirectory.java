package io.finetune.dataset;

import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Local scratch space for spooled uploads and extracted archives: {@code <workDir>/pid-<pid>/}. Folders of
 * processes that no longer run (killed mid-upload) are removed when another process starts.
 */
@Singleton
public class WorkDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(WorkDirectory.class);
    private final Path mine;

    public WorkDirectory(DatasetConfiguration configuration) {
        Path base = configuration.workDir().isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "finetune-dataset")
                : Path.of(configuration.workDir());
        long pid = ProcessHandle.current().pid();
        this.mine = base.toAbsolutePath().resolve("pid-" + pid);
        try {
            Files.createDirectories(mine);
            try (Stream<Path> s = Files.list(base)) {
                s.filter(p -> p.getFileName().toString().startsWith("pid-")).filter(p -> !p.equals(mine))
                        .filter(WorkDirectory::ownerGone).forEach(WorkDirectory::deleteTree);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("expected a writable work directory, found " + base + ": " + e, e);
        }
    }

    public Path newFile(String prefix) {
        return mine.resolve(prefix + "-" + UUID.randomUUID());
    }

    private static boolean ownerGone(Path dir) {
        try {
            long pid = Long.parseLong(dir.getFileName().toString().substring(4));
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("could not delete {}: {}", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.getMessage());
        }
    }
}
