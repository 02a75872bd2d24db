package io.finetune.trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalCopiesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A copy of {@code bytes} bytes last used {@code minutes} after T0. */
    private static Path copy(Path dir, int bytes, int minutes) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("data.bin"), new byte[bytes]);
        Files.writeString(dir.resolve(LocalCopies.LAST_USED), "");
        Files.setLastModifiedTime(dir.resolve(LocalCopies.LAST_USED), FileTime.from(T0.plusSeconds(60L * minutes)));
        return dir;
    }

    @Test
    void overItsBudgetTheLeastRecentlyUsedUnpinnedCopiesAreDeleted(@TempDir Path root) throws Exception {
        Path oldest = copy(root.resolve("a"), 400, 1);
        Path old = copy(root.resolve("b"), 400, 2);
        Path recent = copy(root.resolve("c"), 400, 3);
        Path newest = copy(root.resolve("d"), 400, 4);
        LocalCopies copies = new LocalCopies(root, 1, 1000);
        try (LocalCopies.Pin pinned = copies.pin(oldest)) {
            copies.trim();
            assertTrue(Files.exists(oldest), "a copy a running job holds is never deleted, however old");
            assertFalse(Files.exists(old), "the least recently used free copy goes first");
            assertFalse(Files.exists(recent), "and the next, until 1000 bytes are held: 800");
            assertTrue(Files.exists(newest));
        }
        copies.trim();
        assertTrue(Files.exists(oldest) && Files.exists(newest), "within the budget nothing more goes");
    }

    @Test
    void copiesTwoLevelsDownAreTheUnitsOfAModelCache(@TempDir Path root) throws Exception {
        Path v1 = copy(root.resolve("flowers/1"), 600, 1);
        Path v2 = copy(root.resolve("flowers/2"), 600, 2);
        Path other = copy(root.resolve("pets/7"), 600, 3);
        new LocalCopies(root, 2, 1300).trim();
        assertFalse(Files.exists(v1));
        assertTrue(Files.exists(v2) && Files.exists(other));
        assertTrue(Files.isDirectory(root.resolve("flowers")), "only versions are evicted, never a whole model");
    }

    @Test
    void whenEveryCopyIsInUseNothingIsDeleted(@TempDir Path root) throws Exception {
        Path a = copy(root.resolve("a"), 700, 1);
        Path b = copy(root.resolve("b"), 700, 2);
        LocalCopies copies = new LocalCopies(root, 1, 500);
        try (LocalCopies.Pin pa = copies.pin(a); LocalCopies.Pin pb = copies.pin(b); LocalCopies.Pin again =
                copies.pin(a)) {
            pa.close();
            copies.trim();
            assertTrue(Files.exists(a), "still pinned once more");
            assertTrue(Files.exists(b));
        }
        copies.trim();
        assertFalse(Files.exists(a), "released: the least recently used goes");
    }
}
