package io.finetune.inference;

import io.finetune.ml.ClassScore;

import java.util.List;

/** The answer for several images, all predicted by the same model version, in request order. */
public record BatchPredictionResponse(String model, String version, List<ImagePrediction> predictions) {
    /** @param part the multipart file name (or part name) of the image */
    public record ImagePrediction(String part, List<ClassScore> top, double preprocessMillis,
                                  double inferenceMillis) {
    }
}
