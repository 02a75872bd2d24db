package io.finetune.contracts;

/** A dataset version in object storage; {@code version} may be {@code latest}. */
public record DatasetRef(String name, String version) {
}
