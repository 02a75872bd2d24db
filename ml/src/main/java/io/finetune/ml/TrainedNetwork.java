package io.finetune.ml;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelRef;
import io.finetune.imaging.ImageDecoder;
import io.finetune.ml.data.Preprocessor;
import io.finetune.ml.net.Network;

import java.io.IOException;
import java.nio.file.Path;

/** The result of a run: a private copy of the weights and the manifest describing them. */
final class TrainedNetwork implements TrainedModel {
    private final ModelManifest manifest;
    private final Network network;

    TrainedNetwork(ModelManifest manifest, Network network) {
        this.manifest = manifest;
        this.network = network.copy();
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public void writePackage(Path dir, String name, String version, ModelRef parent, DatasetRef dataset,
                             String datasetFingerprint) throws IOException {
        ModelManifest m = manifest;
        ModelManifest named = new ModelManifest(m.schemaVersion(), name, version, m.kind(), m.architecture(),
                m.classes(), m.imageSize(), m.normalization(), m.modelFile(), parent != null ? parent : m.parent(),
                m.frozenLayers(), dataset, datasetFingerprint, m.hyperParameters(), m.seed(), m.history(), m.test(),
                m.provenance());
        ModelPackages.write(dir, named, network);
    }

    @Override
    public ImageClassifier classifier() {
        return new NetworkClassifier(manifest, network.copy(), new Preprocessor(new ImageDecoder(),
                manifest.imageSize(), manifest.normalization()));
    }

    @Override
    public void close() {
        // Weights are on-heap-referenced ND4J arrays; nothing to release eagerly.
    }
}
