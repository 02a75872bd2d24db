package io.finetune.dataset;

import io.finetune.contracts.RejectedFile;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /datasets/{name}/{version}}: the state of a version or of the ingest making it.
 *
 * @param identicalTo set when the ingest found its content equal to this existing version: no new version was made
 *                    and the fields describe that version
 * @param counts      images per split, then per class (augmented copies included)
 */
public record DatasetVersionView(String name, String version, IngestState state, IngestProgress progress,
                                 String fingerprint, List<String> classes, Map<String, Map<String, Integer>> counts,
                                 Integer images, Integer duplicates, List<RejectedFile> rejected, String source,
                                 Instant createdAt, Long seed, String identicalTo, String error) {
}
