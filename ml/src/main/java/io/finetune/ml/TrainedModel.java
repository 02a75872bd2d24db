package io.finetune.ml;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelRef;

import java.io.IOException;
import java.nio.file.Path;

/** The immutable result of a training run. */
public interface TrainedModel extends AutoCloseable {
    /** Name and version may be placeholders; {@link #writePackage} takes the real ones. */
    ModelManifest manifest();

    /** Writes the weights file(s) first and {@code manifest.json} last into {@code dir}. */
    void writePackage(Path dir, String name, String version, ModelRef parent, DatasetRef dataset,
                      String datasetFingerprint) throws IOException;

    /** A classifier over the trained weights, without a round trip through a package. */
    ImageClassifier classifier();

    @Override
    void close();
}
