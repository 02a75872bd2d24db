package io.finetune.ml;

import java.nio.file.Path;

/** One image file and its class index in the dataset's class list. */
public record LabeledImage(Path file, int label) {
}
