package io.finetune.contracts;

/**
 * One line of a dataset version's {@code manifest.jsonl}.
 *
 * @param augmentedFrom sha256 of the source image when this is an offline-augmented copy, else null
 * @param augmentation  what was applied to make the copy (for example {@code flip,rot=-4.2,crop=0.91}), else null
 */
public record DatasetImage(String key, String className, Split split, String sha256, int width, int height,
                           String sourceFile, String augmentedFrom, String augmentation) {
}
