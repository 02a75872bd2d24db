package io.finetune.ml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;

/** Finds a folder of {@code ../shared}: from an environment variable, else beside the repository root. */
final class SharedFolders {
    private SharedFolders() {
    }

    /**
     * {@code $env} when set (and a directory), else {@code ../shared/<name>} from the repository root or from a
     * module directory one level down, when {@code usable}.
     */
    static Optional<Path> find(String env, String name, Predicate<Path> usable) {
        String value = System.getenv(env);
        if (value != null && !value.isBlank()) {
            Path p = Path.of(value);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        for (String candidate : new String[]{"../shared/" + name, "../../shared/" + name}) {
            Path p = Path.of(candidate).toAbsolutePath().normalize();
            if (usable.test(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
