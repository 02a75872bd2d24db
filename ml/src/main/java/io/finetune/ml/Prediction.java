package io.finetune.ml;

import java.util.List;

/** The top classes of one image, best first, with the time spent preprocessing and in the network. */
public record Prediction(List<ClassScore> top, double preprocessMillis, double inferenceMillis) {
}
