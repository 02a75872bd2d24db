package io.finetune.ml.data;

import io.finetune.contracts.RejectReason;

/** A file left out of a run, and why. */
public record SkippedImage(String file, RejectReason reason, String detail) {
}
