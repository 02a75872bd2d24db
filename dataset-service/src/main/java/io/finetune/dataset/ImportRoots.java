package io.finetune.dataset;

import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The directories a server-side import may read. A requested path is refused when it names {@code ..}, lies
 * outside every root, or reaches outside them through a symbolic link.
 */
@Singleton
public class ImportRoots {
    private final List<Path> roots;

    public ImportRoots(DatasetConfiguration configuration) {
        this(configuration.importRoots().stream().map(Path::of).toList());
    }

    public ImportRoots(List<Path> roots) {
        Path cwd = Path.of(System.getProperty("user.dir"));
        this.roots = roots.stream().map(r -> cwd.resolve(r).toAbsolutePath().normalize()).toList();
    }

    public List<Path> roots() {
        return roots;
    }

    /**
     * The real directory a request names: an absolute path, or a path relative to the first root under which it
     * exists.
     */
    public Path resolve(String requested) throws ForbiddenPathException {
        if (requested == null || requested.isBlank()) {
            throw new IllegalArgumentException("expected 'path', a directory under " + roots + ", found nothing");
        }
        Path path;
        try {
            path = Path.of(requested);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("expected a directory path, found '" + requested + "': "
                    + e.getReason());
        }
        for (Path part : path) {
            if (part.toString().equals("..")) {
                throw new ForbiddenPathException("import path '" + requested + "' must not contain '..': expected a "
                        + "directory under " + roots);
            }
        }
        Path absolute = path.isAbsolute() ? path.normalize() : relativeToRoots(path);
        roots.stream().filter(absolute::startsWith).findFirst().orElseThrow(() ->
                new ForbiddenPathException("import path '" + requested + "' is outside the import roots: expected a "
                        + "directory under " + roots + ", found " + absolute));
        if (!Files.exists(absolute)) {
            throw new IllegalArgumentException("expected an existing directory, found nothing at " + absolute);
        }
        Path real = realPath(absolute);
        requireInside(real, requested + " (through a symbolic link)");
        if (!Files.isDirectory(real)) {
            throw new IllegalArgumentException("expected a directory, found a file at " + absolute);
        }
        return real;
    }

    /** Refuses a file met during the walk that resolves outside every root. */
    public void requireInside(Path real, String what) throws ForbiddenPathException {
        boolean inside = roots.stream().map(ImportRoots::realPathOrSelf).anyMatch(real::startsWith);
        if (!inside) {
            throw new ForbiddenPathException("import path " + what + " resolves to " + real + ", outside the import "
                    + "roots " + roots);
        }
    }

    private Path relativeToRoots(Path relative) {
        Optional<Path> existing = roots.stream().map(r -> r.resolve(relative).normalize()).filter(Files::exists)
                .findFirst();
        return existing.orElseGet(() -> Path.of(System.getProperty("user.dir")).resolve(relative).toAbsolutePath()
                .normalize());
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("expected a readable directory, found " + p + ": " + e.getMessage());
        }
    }

    private static Path realPathOrSelf(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    /** The request named a path it may not read (403). */
    public static final class ForbiddenPathException extends Exception {
        public ForbiddenPathException(String message) {
            super(message);
        }
    }
}
