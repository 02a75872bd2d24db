package io.finetune.inference;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.WeightsSource;
import io.micronaut.core.annotation.Nullable;

import java.time.Instant;
import java.util.List;

/**
 * A model in the registry (every complete version in storage, served or not), as {@code GET /registry} lists it.
 *
 * @param latestVersion what the {@code latest} pointer names; null before the pointer is written
 * @param versions      ascending
 */
public record RegistryModel(String name, @Nullable String latestVersion, List<Version> versions) {
    /** Whether this replica has a version loaded. */
    public enum Serving {
        /** The model's served version: what a prediction without {@code ?version} answers with. */
        ACTIVE,
        /** Loaded for predictions that name it, among {@code finetune.inference.on-demand.max-versions}. */
        ON_DEMAND
    }

    /**
     * One complete version: its manifest in short, and its lineage.
     *
     * @param parent     the model it was fine-tuned from (FINETUNE), else null
     * @param dataset    the dataset version it was trained on (null for PRETRAINED)
     * @param pretrained the pretrained weights it was imported from or inherits its feature layers from, else null
     * @param serving    null when this replica has not loaded it
     */
    public record Version(String version, JobKind kind, String architecture, int classCount, int imageSize,
                          @Nullable ModelRef parent, @Nullable DatasetRef dataset,
                          @Nullable String datasetFingerprint, @Nullable EvaluationSummary test,
                          @Nullable HyperParameters hyperParameters, List<String> frozenLayers,
                          @Nullable Instant createdAt, @Nullable WeightsSource pretrained,
                          @Nullable Serving serving) {
        static Version of(ModelManifest m) {
            return new Version(m.version(), m.kind(), m.architecture(), m.classes().size(), m.imageSize(),
                    m.parent(), m.dataset(), m.datasetFingerprint(), m.test(), m.hyperParameters(),
                    m.frozenLayers() == null ? List.of() : m.frozenLayers(),
                    m.provenance() == null ? null : m.provenance().createdAt(),
                    m.provenance() == null ? null : m.provenance().pretrained(), null);
        }

        Version serving(@Nullable Serving state) {
            return new Version(version, kind, architecture, classCount, imageSize, parent, dataset,
                    datasetFingerprint, test, hyperParameters, frozenLayers, createdAt, pretrained, state);
        }
    }
}
