package io.finetune.contracts;

import java.time.Instant;

/** {@code models/{name}/latest}: written only after every object of the version it names is complete. */
public record ModelPointer(int schemaVersion, String modelName, String version, Instant updatedAt) {
    public static final int SCHEMA_VERSION = 1;
}
