package io.finetune.trainer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Local copies (dataset versions, base model packages) in the folders {@code depth} levels below a root, kept within
 * a byte budget: after a copy is made, the copies no running job holds are deleted, least recently used first, until
 * the root fits again. A job pins the copies it reads for as long as it runs (a pin also marks the copy used now);
 * when every copy is pinned the root may stay above the budget until a job ends.
 */
public final class LocalCopies {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCopies.class);
    /** Touched on every pin: its time is the copy's last use. */
    static final String LAST_USED = ".last-used";

    private final Path root;
    private final int depth;
    private final long maxBytes;
    private final Map<Path, Integer> pins = new HashMap<>();

    public LocalCopies(Path root, int depth, long maxBytes) {
        if (depth < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("expected depth >= 1 and maxBytes >= 1, found " + depth + " and "
                    + maxBytes);
        }
        this.root = root;
        this.depth = depth;
        this.maxBytes = maxBytes;
    }

    /** Holds {@code copy} (made already or about to be) against eviction until the pin is closed. */
    public synchronized Pin pin(Path copy) {
        Path key = copy.toAbsolutePath().normalize();
        pins.merge(key, 1, Integer::sum);
        return new Pin(key);
    }

    /** Deletes unpinned copies, least recently used first, while the root holds more than the budget. */
    public synchronized void trim() {
        try {
            if (!Files.isDirectory(root)) {
                return;
            }
            List<Copy> copies = new ArrayList<>();
            try (Stream<Path> dirs = Files.find(root, depth, (p, a) -> a.isDirectory() && !p.equals(root)
                    && root.relativize(p).getNameCount() == depth)) {
                for (Path dir : dirs.toList()) {
                    copies.add(new Copy(dir.toAbsolutePath().normalize(), bytes(dir), lastUsed(dir)));
                }
            }
            long total = copies.stream().mapToLong(Copy::bytes).sum();
            copies.sort(Comparator.comparing(Copy::lastUsed).thenComparing(Copy::dir));
            for (Copy c : copies) {
                if (total <= maxBytes) {
                    return;
                }
                if (pins.containsKey(c.dir())) {
                    continue;
                }
                CheckpointSync.deleteTree(c.dir());
                total -= c.bytes();
                LOG.info("evicted the local copy {} ({} bytes, last used {}) to keep {} within {} bytes", c.dir(),
                        c.bytes(), c.lastUsed(), root, maxBytes);
            }
            if (total > maxBytes) {
                LOG.warn("{} holds {} bytes, above its budget of {}: every remaining copy is in use", root, total,
                        maxBytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep " + root + " within " + maxBytes + " bytes: "
                    + e.getMessage(), e);
        }
    }

    private static long bytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static Instant lastUsed(Path dir) throws IOException {
        Path marker = dir.resolve(LAST_USED);
        return (Files.exists(marker) ? Files.getLastModifiedTime(marker) : Files.getLastModifiedTime(dir))
                .toInstant();
    }

    private synchronized void release(Path key) {
        pins.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }

    /** A local copy as found on disk. */
    private record Copy(Path dir, long bytes, Instant lastUsed) {
    }

    /** A running job's hold on one copy; closing it marks the copy used now and lets it be evicted again. */
    public final class Pin implements AutoCloseable {
        private final Path copy;
        private boolean released;

        private Pin(Path copy) {
            this.copy = copy;
        }

        @Override
        public void close() {
            if (released) {
                return;
            }
            released = true;
            try {
                if (Files.isDirectory(copy)) {
                    Path marker = copy.resolve(LAST_USED);
                    if (!Files.exists(marker)) {
                        Files.createFile(marker);
                    }
                    Files.setLastModifiedTime(marker, FileTime.from(Instant.now()));
                }
            } catch (IOException e) {
                LOG.warn("cannot mark {} as used: {}", copy, e.getMessage());
            } finally {
                release(copy);
            }
        }
    }
}
