package io.finetune.contracts;

/** Why an input file was rejected; also the {@code reason} label of the rejected-images metric. */
public enum RejectReason {
    EMPTY_FILE, CORRUPT_IMAGE, TRUNCATED_IMAGE, NOT_AN_IMAGE, UNSUPPORTED_FORMAT, TOO_MANY_PIXELS, TOO_LARGE,
    CLASS_TOO_SMALL, DUPLICATE, UNKNOWN_LABEL
}
