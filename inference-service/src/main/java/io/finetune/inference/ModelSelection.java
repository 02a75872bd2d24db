package io.finetune.inference;

import io.finetune.contracts.ObjectLayout;

/**
 * One configured model: {@code name} follows its {@code latest} pointer, {@code name:7} stays on version 7.
 *
 * @param version {@link #LATEST} or a pinned integer version
 */
public record ModelSelection(String name, String version) {
    public static final String LATEST = "latest";

    public ModelSelection {
        ObjectLayout.requireName("model name", name);
        if (!LATEST.equals(version) && !ModelVersions.isVersion(version)) {
            throw new IllegalArgumentException("expected version 'latest' or a positive integer for model " + name
                    + ", found '" + version + "'");
        }
    }

    /** Parses {@code name}, {@code name:latest} or {@code name:7}. */
    public static ModelSelection parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected a model as name, name:latest or name:<version>, found '"
                    + text + "'");
        }
        String t = text.trim();
        int colon = t.indexOf(':');
        return colon < 0 ? new ModelSelection(t, LATEST) : new ModelSelection(t.substring(0, colon),
                t.substring(colon + 1));
    }

    public boolean followsLatest() {
        return LATEST.equals(version);
    }

    @Override
    public String toString() {
        return name + ":" + version;
    }
}
