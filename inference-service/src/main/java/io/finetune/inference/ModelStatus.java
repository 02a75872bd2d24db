package io.finetune.inference;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.Normalization;
import io.micronaut.core.annotation.Nullable;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@code GET /models} tells about a model: its desired state, this replica's actual state (the flat fields)
 * and every replica's last report.
 *
 * @param requested       {@code latest} or the pinned version (the desired state)
 * @param desiredBy       {@code configuration}, or who wrote the serving state ({@code api}, {@code job:<id>},
 *                        {@code follow-new-models})
 * @param state           PENDING, NOT_PUBLISHED, FAILED or ACTIVE on this replica
 * @param loadingVersion  the version this replica is loading, if any
 * @param refusedVersions versions that failed their checks and will not be activated
 * @param refused         the same versions, each with the reason
 * @param replicas        every replica's actual state as it last reported it (stale: not reported for three pointer
 *                        checks, probably gone)
 */
public record ModelStatus(String name, String requested, @Nullable String desiredBy, boolean configured, String state,
                          @Nullable String activeVersion, @Nullable String loadingVersion, @Nullable Instant loadedAt,
                          @Nullable ManifestSummary manifest, @Nullable Failure lastFailure,
                          List<String> refusedVersions, Map<String, String> refused, List<ReplicaState> replicas) {

    /** One replica's actual state of this model. */
    public record ReplicaState(String replica, Instant reportedAt, boolean stale, String state,
                               @Nullable String activeVersion, @Nullable String loadingVersion,
                               @Nullable String desiredVersion, boolean inSync, Map<String, String> refused) {
        static ReplicaState of(ReplicaReport report, ReplicaReport.ModelReport m, boolean stale) {
            return new ReplicaState(report.replica(), report.reportedAt(), stale, m.state(), m.activeVersion(),
                    m.loadingVersion(), m.desiredVersion(), m.inSync(), m.refused());
        }
    }

    public record ManifestSummary(String architecture, JobKind kind, List<String> classes, int imageSize,
                                  Normalization normalization, @Nullable ModelRef parent, @Nullable DatasetRef dataset,
                                  @Nullable String datasetFingerprint, @Nullable EvaluationSummary test,
                                  @Nullable Instant createdAt) {
        static ManifestSummary of(ModelManifest m) {
            return new ManifestSummary(m.architecture(), m.kind(), m.classes(), m.imageSize(), m.normalization(),
                    m.parent(), m.dataset(), m.datasetFingerprint(), m.test(),
                    m.provenance() == null ? null : m.provenance().createdAt());
        }
    }

    public record Failure(@Nullable String version, String message, Instant at) {
    }

    static ModelStatus of(ServedModel served, @Nullable String desiredBy, List<ReplicaState> replicas) {
        LoadedModel active = served.active();
        ServedModel.Failure f = served.lastFailure();
        Map<String, String> refused = served.refusedVersions();
        return new ModelStatus(served.name(), served.selection().version(),
                served.configured() ? "configuration" : desiredBy, served.configured(), served.state().name(),
                active == null ? null : active.version(), served.loadingVersion(),
                active == null ? null : active.loadedAt(),
                active == null ? null : ManifestSummary.of(active.manifest()),
                f == null ? null : new Failure(f.version(), f.message(), f.at()),
                refused.keySet().stream().sorted(java.util.Comparator.comparingLong(ModelVersions::number)).toList(),
                refused, replicas);
    }

    /** A desired model this replica does not serve (yet): only the other replicas' reports tell more. */
    static ModelStatus notHere(String name, String requested, String desiredBy, List<ReplicaState> replicas) {
        return new ModelStatus(name, requested, desiredBy, false, ServedModel.State.PENDING.name(), null, null, null,
                null, null, List.of(), Map.of(), replicas);
    }
}
