package io.finetune.dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImportRootsTest {
    @TempDir
    Path dir;

    private ImportRoots roots() throws Exception {
        Files.createDirectories(dir.resolve("root/flowers/a"));
        Files.createDirectories(dir.resolve("outside/secret"));
        return new ImportRoots(List.of(dir.resolve("root")));
    }

    @Test
    void acceptsAbsoluteAndRootRelativePathsInside() throws Exception {
        ImportRoots roots = roots();
        Path expected = dir.resolve("root/flowers").toRealPath();
        assertEquals(expected, roots.resolve(dir.resolve("root/flowers").toString()));
        assertEquals(expected, roots.resolve("flowers"));
    }

    @Test
    void refusesPathsOutsideTheRoots() throws Exception {
        ImportRoots roots = roots();
        String message = assertThrows(ImportRoots.ForbiddenPathException.class,
                () -> roots.resolve(dir.resolve("outside").toString())).getMessage();
        assertTrue(message.contains("outside the import roots"), message);
    }

    @Test
    void refusesDotDot() throws Exception {
        ImportRoots roots = roots();
        String message = assertThrows(ImportRoots.ForbiddenPathException.class,
                () -> roots.resolve(dir.resolve("root/flowers/../../outside").toString())).getMessage();
        assertTrue(message.contains("must not contain '..'"), message);
        assertThrows(ImportRoots.ForbiddenPathException.class, () -> roots.resolve("../outside"));
    }

    @Test
    void refusesASymlinkThatEscapes() throws Exception {
        ImportRoots roots = roots();
        Files.createSymbolicLink(dir.resolve("root/escape"), dir.resolve("outside"));
        String message = assertThrows(ImportRoots.ForbiddenPathException.class, () -> roots.resolve("escape"))
                .getMessage();
        assertTrue(message.contains("symbolic link"), message);
    }

    @Test
    void refusesASymlinkedFileInsideTheTreeThatEscapes() throws Exception {
        ImportRoots roots = roots();
        TestImages.write(dir.resolve("outside/secret/x.jpg"), TestImages.jpeg(8, 8, 1));
        Files.createSymbolicLink(dir.resolve("root/flowers/a/x.jpg"), dir.resolve("outside/secret/x.jpg"));
        SourceScanner scanner = new SourceScanner(f -> roots.requireInside(f, f.toString()));
        assertThrows(ImportRoots.ForbiddenPathException.class, () -> scanner.scan(roots.resolve("flowers")));
    }
}
