package io.finetune.dataset;

import java.time.Instant;

/**
 * Content of a version's {@code _INGESTING} marker: who is writing it and how far it got. A marker whose owner
 * process is gone (same host, dead pid) or whose heartbeat is stale belongs to an interrupted ingest.
 */
public record IngestMarker(String owner, String host, long pid, Instant processStart, Instant startedAt,
                           Instant heartbeatAt, String source, int processed, int total) {
}
