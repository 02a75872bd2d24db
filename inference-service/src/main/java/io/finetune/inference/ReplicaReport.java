package io.finetune.inference;

import io.micronaut.core.annotation.Nullable;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one replica serves, as it last reported it ({@code serving/replicas/{replica}.json}): written after every
 * reconciliation and every load, read by any replica to answer {@code GET /models} for all of them.
 */
public record ReplicaReport(String replica, Instant reportedAt, List<ModelReport> models) {

    /**
     * @param state          PENDING, NOT_PUBLISHED, FAILED or ACTIVE
     * @param activeVersion  the version answering predictions, if any
     * @param loadingVersion the version being loaded, if any
     * @param inSync         the active version is the desired one
     * @param refused        versions that failed their checks, each with the reason
     */
    public record ModelReport(String model, String state, @Nullable String activeVersion,
                              @Nullable String loadingVersion, @Nullable String desiredVersion, boolean inSync,
                              Map<String, String> refused) {
        static ModelReport of(ServedModel m) {
            return new ModelReport(m.name(), m.state().name(), m.activeVersion(), m.loadingVersion(),
                    m.desiredVersion(), m.inSync(), m.refusedVersions());
        }
    }
}
