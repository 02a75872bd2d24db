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

/**
 * What {@code GET /models} tells about a model.
 *
 * @param requested       {@code latest} or the pinned version
 * @param state           PENDING, NOT_PUBLISHED, FAILED or ACTIVE
 * @param refusedVersions versions that failed their checks and will not be activated
 */
public record ModelStatus(String name, String requested, boolean configured, String state,
                          @Nullable String activeVersion, @Nullable Instant loadedAt,
                          @Nullable ManifestSummary manifest, @Nullable Failure lastFailure,
                          List<String> refusedVersions) {

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

    static ModelStatus of(ServedModel served) {
        LoadedModel active = served.active();
        ServedModel.Failure f = served.lastFailure();
        return new ModelStatus(served.name(), served.selection().version(), served.configured(),
                served.state().name(), active == null ? null : active.version(),
                active == null ? null : active.loadedAt(),
                active == null ? null : ManifestSummary.of(active.manifest()),
                f == null ? null : new Failure(f.version(), f.message(), f.at()),
                served.refusedVersions().stream().sorted().toList());
    }
}
