package io.finetune.contracts;

/** A file an ingest refused, with a reason a person can act on. */
public record RejectedFile(String file, RejectReason reason, String detail) {
}
