package io.finetune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.testkit.RepositoryLayout;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading YAML and JSON files of the repository; SnakeYAML resolves anchors and merge keys as compose does. */
final class Yamls {
    static final ObjectMapper JSON = new ObjectMapper();

    private Yamls() {
    }

    static Path repo(String relative) {
        Path p = RepositoryLayout.root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("expected " + p + ", found nothing");
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> snake(Path file) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try (Reader r = Files.newBufferedReader(file)) {
            Object doc = new Yaml(options).load(r);
            if (!(doc instanceof Map<?, ?>)) {
                throw new IllegalStateException("expected a YAML mapping in " + file + ", found " + doc);
            }
            return (Map<String, Object>) doc;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Every document of a multi-document YAML stream, as JSON trees. */
    static List<JsonNode> documents(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(64 * 1024 * 1024);
        List<JsonNode> out = new ArrayList<>();
        for (Object doc : new Yaml(options).loadAll(yaml)) {
            if (doc != null) {
                out.add(JSON.valueToTree(doc));
            }
        }
        return out;
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("expected valid JSON in " + file + ", found: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what) {
        if (!(o instanceof Map<?, ?>)) {
            throw new AssertionError("expected a mapping at " + what + ", found " + o);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o, String what) {
        if (!(o instanceof List<?>)) {
            throw new AssertionError("expected a list at " + what + ", found " + o);
        }
        return (List<Object>) o;
    }
}
