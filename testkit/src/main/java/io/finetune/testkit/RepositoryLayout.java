package io.finetune.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds the repository root and the things built or installed under it, from any module's working directory. */
public final class RepositoryLayout {
    private RepositoryLayout() {
    }

    public static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("kafka-server/pom.xml")) && Files.isRegularFile(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("expected to run inside the finetune repository, found working directory "
                + dir + " with no kafka-server/pom.xml above it");
    }

    /** The shared datasets folder ($FINETUNE_DATASETS, else ../shared/datasets beside the repository). */
    public static Optional<Path> datasets() {
        String env = System.getenv("FINETUNE_DATASETS");
        Path p = env != null && !env.isBlank() ? Path.of(env) : root().getParent().resolve("shared/datasets");
        return Files.isDirectory(p) ? Optional.of(p.toAbsolutePath().normalize()) : Optional.empty();
    }

    /** A scratch folder for servers and tests, under the calling module's target/. */
    public static Path scratch(String name) {
        try {
            Path dir = Path.of(System.getProperty("user.dir"), "target", "it-" + name);
            Files.createDirectories(dir);
            return Files.createTempDirectory(dir, "run-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
