package io.finetune.dataset;

/** Answer to an accepted ingest (202): where to follow it. */
public record IngestAccepted(String name, String version, IngestState state, String statusUrl, int files) {
}
