package io.finetune.contracts;

/**
 * Pretrained weights a model was imported from (or whose feature layers it inherits).
 *
 * @param fileName the imported file's name, as given
 * @param sha256   hex SHA-256 of that file
 * @param licence  the weights' licence (SPDX identifier when known), or {@code unknown}
 * @param origin   where the weights came from (package, upstream checkpoint, conversion)
 */
public record WeightsSource(String fileName, String sha256, String licence, String origin) {
}
