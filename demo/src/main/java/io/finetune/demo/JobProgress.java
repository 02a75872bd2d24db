package io.finetune.demo;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** What the gateway's job view says of one job, reduced to what the demo shows and reports. */
public record JobProgress(String jobId, String kind, String modelName, String status, List<Epoch> epochs,
                          String modelVersion, JsonNode test, String reason) {

    public record Epoch(int epoch, int totalEpochs, String phase, double trainLoss, double trainAccuracy,
                        double validationLoss, double validationAccuracy, double seconds, double imagesPerSecond) {
    }

    public static JobProgress of(JsonNode view) {
        List<Epoch> epochs = new ArrayList<>();
        for (JsonNode e : view.path("epochs")) {
            epochs.add(new Epoch(e.path("epoch").asInt(), e.path("totalEpochs").asInt(), e.path("phase").asText(""),
                    e.path("trainLoss").asDouble(), e.path("trainAccuracy").asDouble(),
                    e.path("validationLoss").asDouble(), e.path("validationAccuracy").asDouble(),
                    e.path("seconds").asDouble(), e.path("imagesPerSecond").asDouble()));
        }
        JsonNode model = view.path("model");
        return new JobProgress(view.path("jobId").asText(), view.path("kind").asText(),
                view.path("modelName").asText(), view.path("status").asText("SUBMITTED"), epochs,
                model.isObject() ? model.path("version").asText(null) : null,
                view.hasNonNull("test") ? view.get("test") : null, view.path("reason").asText(null));
    }

    public boolean isFinal() {
        return status.equals("COMPLETED") || status.equals("FAILED") || status.equals("CANCELLED");
    }

    public int totalEpochs() {
        return epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1).totalEpochs();
    }

    public double wallSeconds() {
        return epochs.stream().mapToDouble(Epoch::seconds).sum();
    }

    public double finalValidationAccuracy() {
        return epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1).validationAccuracy();
    }

    /** Training images (or cached views) per second, the mean over epochs. */
    public double meanImagesPerSecond() {
        return epochs.stream().mapToDouble(Epoch::imagesPerSecond).average().orElse(0);
    }

    public double bestValidationAccuracy() {
        return epochs.stream().mapToDouble(Epoch::validationAccuracy).max().orElse(0);
    }
}
