package io.finetune.dataset;

import java.util.List;

/** {@code GET /datasets/{name}}: its versions (visible ones and ingests in progress) and the latest visible one. */
public record DatasetView(String name, String latest, List<VersionEntry> versions) {
    /** One version in a listing. */
    public record VersionEntry(String version, IngestState state, Integer images, String fingerprint,
                               java.time.Instant createdAt) {
    }
}
