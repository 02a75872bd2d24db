package io.finetune.dataset;

import io.finetune.contracts.Split;

import java.nio.file.Path;

/**
 * One candidate image found in a source.
 *
 * @param path      where to read it
 * @param name      its name relative to the source root, with '/' separators (reported back to the user)
 * @param className its class (a folder name or a labels.csv label, as a valid object-key name)
 * @param given     the split the source assigns, or null
 */
public record SourceFile(Path path, String name, String className, Split given) {
}
