package io.finetune.ml;

import io.finetune.contracts.RejectReason;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.data.SkippedImage;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Evaluates a classifier on labeled files; unreadable or rejected files are skipped and listed. */
public final class Evaluator {
    private static final int BATCH = 32;

    private Evaluator() {
    }

    public static EvaluationReport evaluate(ImageClassifier model, List<LabeledImage> images) {
        ClassificationMetrics metrics = new ClassificationMetrics(model.manifest().classes());
        List<SkippedImage> skipped = new ArrayList<>();
        List<LabeledImage> pending = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        for (LabeledImage image : images) {
            try {
                bytes.add(Files.readAllBytes(image.file()));
                pending.add(image);
            } catch (IOException e) {
                skipped.add(new SkippedImage(image.file().toString(), RejectReason.CORRUPT_IMAGE,
                        "cannot read: " + e.getMessage()));
            }
            if (pending.size() == BATCH) {
                flush(model, pending, bytes, metrics, skipped);
            }
        }
        flush(model, pending, bytes, metrics, skipped);
        return metrics.report(skipped);
    }

    private static void flush(ImageClassifier model, List<LabeledImage> pending, List<byte[]> bytes,
                              ClassificationMetrics metrics, List<SkippedImage> skipped) {
        if (pending.isEmpty()) {
            return;
        }
        try {
            float[][] probabilities = model.probabilitiesBatch(bytes);
            for (int i = 0; i < probabilities.length; i++) {
                metrics.add(probabilities[i], pending.get(i).label());
            }
        } catch (ImageRejectedException batchRejected) {
            // Rare: find the rejected files one by one so the rest of the batch still counts.
            for (int i = 0; i < pending.size(); i++) {
                try {
                    metrics.add(model.probabilities(bytes.get(i)), pending.get(i).label());
                } catch (ImageRejectedException e) {
                    skipped.add(new SkippedImage(pending.get(i).file().toString(), e.reason(), e.getMessage()));
                }
            }
        }
        pending.clear();
        bytes.clear();
    }
}
