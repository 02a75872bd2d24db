package io.finetune.contracts;

import java.util.List;

/**
 * {@code manifest.json} of a model package: everything serving needs to reproduce preprocessing exactly, and where
 * the model came from.
 *
 * @param classes     class names in output index order
 * @param modelFile   file name of the weights inside the package
 * @param frozenLayers layers copied from the parent and frozen (FINETUNE), else empty
 */
public record ModelManifest(int schemaVersion, String name, String version, JobKind kind, String architecture,
                            List<String> classes, int imageSize, Normalization normalization, String modelFile,
                            ModelRef parent, List<String> frozenLayers, DatasetRef dataset,
                            String datasetFingerprint, HyperParameters hyperParameters, long seed,
                            List<EpochMetrics> history, EvaluationSummary test, Provenance provenance) {
    public static final int SCHEMA_VERSION = 1;
}
