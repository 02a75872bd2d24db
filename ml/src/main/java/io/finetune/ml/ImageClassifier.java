package io.finetune.ml;

import io.finetune.contracts.ModelManifest;
import io.finetune.imaging.ImageRejectedException;

import java.util.List;

/** A loaded model with its preprocessing; thread-safe for concurrent predict calls. */
public interface ImageClassifier extends AutoCloseable {
    ModelManifest manifest();

    Prediction predict(byte[] encodedImage, int topK) throws ImageRejectedException;

    List<Prediction> predictBatch(List<byte[]> encodedImages, int topK) throws ImageRejectedException;

    /** Class probabilities in manifest class order. */
    float[] probabilities(byte[] encodedImage) throws ImageRejectedException;

    /** Class probabilities of several images, one network pass. */
    default float[][] probabilitiesBatch(List<byte[]> encodedImages) throws ImageRejectedException {
        float[][] out = new float[encodedImages.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = probabilities(encodedImages.get(i));
        }
        return out;
    }

    @Override
    void close();
}
