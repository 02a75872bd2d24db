package io.finetune.contracts;

import java.time.Instant;
import java.util.Map;

/** Where an artifact came from: library versions, git revision, host, time. */
public record Provenance(Instant createdAt, String gitRevision, Map<String, String> libraries, String host) {
}
