package io.finetune.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * Where an artifact came from: library versions, git revision, host, time, and, for a model that starts from
 * pretrained weights, those weights ({@code pretrained}, null otherwise and in manifests written before it existed).
 */
public record Provenance(Instant createdAt, String gitRevision, Map<String, String> libraries, String host,
                         WeightsSource pretrained) {
    public Provenance(Instant createdAt, String gitRevision, Map<String, String> libraries, String host) {
        this(createdAt, gitRevision, libraries, host, null);
    }

    public Provenance withPretrained(WeightsSource source) {
        return new Provenance(createdAt, gitRevision, libraries, host, source);
    }
}
