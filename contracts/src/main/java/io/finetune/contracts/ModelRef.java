package io.finetune.contracts;

/** A published model version; {@code version} may be {@code latest} in commands. */
public record ModelRef(String name, String version) {
}
