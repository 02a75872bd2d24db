package io.finetune.ml.net;

import java.util.Locale;

/**
 * Which executor runs a network. {@code AUTO} (the default) uses {@link DirectExecutor} wherever the architecture
 * allows it (seed-cnn and res-cnn; see {@link DirectExecutor#supports}) and SameDiff otherwise; {@code SAMEDIFF}
 * forces SameDiff everywhere, for comparison. Chosen with {@code -Dfinetune.ml.engine=auto|samediff} or the
 * {@code FINETUNE_ML_ENGINE} environment variable.
 */
public enum Engine {
    AUTO, SAMEDIFF;

    public static Engine configured() {
        String value = System.getProperty("finetune.ml.engine", System.getenv("FINETUNE_ML_ENGINE"));
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected finetune.ml.engine to be auto or samediff, found '"
                    + value + "'", e);
        }
    }

    boolean direct(Architecture architecture, int from, int to) {
        return this == AUTO && DirectExecutor.supports(architecture, from, to);
    }
}
