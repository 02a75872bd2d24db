package io.finetune.inference;

import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.Normalization;
import io.finetune.contracts.RejectReason;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.ClassScore;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.Prediction;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stand-in classifier for the pure concurrency logic (leases, swaps, micro-batches): it answers class 0 with
 * probability 1, rejects an image whose first byte is 0, records batch sizes, and fails every call after close.
 */
final class CountingClassifier implements ImageClassifier {
    final AtomicBoolean closed = new AtomicBoolean();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    private final ModelManifest manifest;

    CountingClassifier(String name, String version) {
        this.manifest = new ModelManifest(ModelManifest.SCHEMA_VERSION, name, version, null, "seed-cnn",
                List.of("a", "b"), 32, Normalization.UNIT_RGB_NHWC, "weights.bin", null, List.of(), null, null, null,
                0, List.of(), null, null);
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public Prediction predict(byte[] encodedImage, int topK) throws ImageRejectedException {
        return predictBatch(List.of(encodedImage), topK).get(0);
    }

    @Override
    public List<Prediction> predictBatch(List<byte[]> images, int topK) throws ImageRejectedException {
        if (closed.get()) {
            throw new IllegalStateException("expected an open classifier, found it closed");
        }
        batchSizes.add(images.size());
        List<Prediction> out = new ArrayList<>();
        for (byte[] image : images) {
            if (image.length == 0 || image[0] == 0) {
                throw new ImageRejectedException(RejectReason.NOT_AN_IMAGE, "test rejects first byte 0");
            }
            List<ClassScore> top = List.of(new ClassScore("a", 0, 1.0), new ClassScore("b", 1, 0.0));
            out.add(new Prediction(top.subList(0, Math.min(topK, 2)), 0, 0));
        }
        return out;
    }

    @Override
    public float[] probabilities(byte[] encodedImage) {
        return new float[]{1, 0};
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
