package io.finetune.dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.finetune.dataset.Archives.Entry.file;
import static io.finetune.dataset.Archives.Entry.link;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchiveExtractorTest {
    private static final ArchiveLimits LIMITS = new ArchiveLimits(50, 8L << 20, 100);
    private final ArchiveExtractor extractor = new ArchiveExtractor(LIMITS);
    @TempDir
    Path dir;

    private final byte[] image = TestImages.jpeg(32, 32, 1);

    private String refused(Path archive) {
        Path out = dir.resolve("out");
        String message = assertThrows(ArchiveRejectedException.class, () -> extractor.extract(archive, out))
                .getMessage();
        assertFalse(Files.exists(dir.getParent().resolve("evil.jpg")), "nothing escaped the target");
        return message;
    }

    @Test
    void extractsZipTarAndTarGz() throws Exception {
        List<Archives.Entry> entries = List.of(file("set/a/x.jpg", image), file("set/b/y.jpg", image));
        Archives.zip(dir.resolve("a.zip"), entries);
        Archives.tar(dir.resolve("a.tar"), entries, false);
        Archives.tar(dir.resolve("a.tar.gz"), entries, true);
        for (String name : List.of("a.zip", "a.tar", "a.tar.gz")) {
            Path out = dir.resolve("out-" + name);
            extractor.extract(dir.resolve(name), out);
            assertArrayEquals(image, Files.readAllBytes(out.resolve("set/a/x.jpg")), name);
            assertTrue(Files.isRegularFile(out.resolve("set/b/y.jpg")), name);
        }
    }

    @Test
    void refusesZipSlipWithDotDot() {
        Archives.zip(dir.resolve("slip.zip"), List.of(file("a/x.jpg", image), file("a/../../evil.jpg", image)));
        assertTrue(refused(dir.resolve("slip.zip")).contains("zip-slip"));
        Archives.tar(dir.resolve("slip.tar"), List.of(file("../evil.jpg", image)), false);
        assertTrue(refused(dir.resolve("slip.tar")).contains("'..'"));
    }

    @Test
    void refusesAbsolutePaths() {
        Archives.zip(dir.resolve("abs.zip"), List.of(file("/tmp/evil.jpg", image)));
        assertTrue(refused(dir.resolve("abs.zip")).contains("absolute path"));
        Archives.tar(dir.resolve("abs.tar.gz"), List.of(file("/tmp/evil.jpg", image)), true);
        assertTrue(refused(dir.resolve("abs.tar.gz")).contains("absolute path"));
    }

    @Test
    void refusesSymlinkEntries() {
        Archives.zip(dir.resolve("link.zip"), List.of(link("a/passwd.jpg", "/etc/passwd")));
        assertTrue(refused(dir.resolve("link.zip")).contains("symbolic link"));
        Archives.tar(dir.resolve("link.tar"), List.of(link("a/passwd.jpg", "/etc/passwd")), false);
        assertTrue(refused(dir.resolve("link.tar")).contains("symbolic link"));
    }

    @Test
    void refusesZipBombByRatio() {
        Archives.zip(dir.resolve("bomb.zip"), List.of(file("a/zeros.jpg", new byte[4 << 20])));
        assertTrue(refused(dir.resolve("bomb.zip")).contains("zip bomb"));
        Archives.tar(dir.resolve("bomb.tar.gz"), List.of(file("a/zeros.jpg", new byte[4 << 20])), true);
        assertTrue(refused(dir.resolve("bomb.tar.gz")).contains("zip bomb"));
    }

    @Test
    void refusesArchivesExpandingBeyondTheTotalLimit() throws Exception {
        ArchiveExtractor small = new ArchiveExtractor(new ArchiveLimits(50, 100_000, 1000));
        List<Archives.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] noise = new byte[20_000];
            new java.util.Random(i).nextBytes(noise);
            entries.add(file("a/" + i + ".jpg", noise));
        }
        Archives.tar(dir.resolve("big.tar"), entries, false);
        String message = assertThrows(ArchiveRejectedException.class, () -> small.extract(dir.resolve("big.tar"),
                dir.resolve("out"))).getMessage();
        assertTrue(message.contains("expands beyond 100000 bytes"), message);
    }

    @Test
    void refusesTooManyEntries() {
        List<Archives.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            entries.add(file("a/" + i + ".jpg", image));
        }
        Archives.zip(dir.resolve("many.zip"), entries);
        assertTrue(refused(dir.resolve("many.zip")).contains("too many entries: expected at most 50"));
    }

    @Test
    void refusesWhatIsNotAnArchive() throws Exception {
        Files.writeString(dir.resolve("x.zip"), "hello");
        assertTrue(refused(dir.resolve("x.zip")).startsWith("expected a zip, tar or tar.gz archive, found content "
                + "starting 0x"));
    }
}
