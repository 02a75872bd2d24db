package io.finetune.inference;

import io.finetune.ml.ClassScore;

import java.util.List;

/** The answer for one image: which model version answered, its best classes, and where the time went. */
public record PredictionResponse(String model, String version, List<ClassScore> top, double preprocessMillis,
                                 double inferenceMillis) {
}
