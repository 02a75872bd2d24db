package io.finetune.demo;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything a demo run measured: written as results.json and rendered as report.html. {@code backbone} is the
 * ImageNet backbone's fine-tune on the same Flower102 data, null when the registry had no backbone (then
 * {@code backboneSkipped} says why).
 */
public record DemoResults(Instant startedAt, Instant finishedAt, DemoSettings settings, Map<String, JsonNode> datasets,
                          JobProgress base, JobProgress fineTune, JobProgress scratch, LearningComparison comparison,
                          List<HeldOutEvaluation> heldOut, List<ModelSwitch> modelSwitches,
                          Map<String, Boolean> prometheusSeries, JobProgress backbone, String backboneSkipped) {

    /** The inference service's active version of a model, before and after a publication. */
    public record ModelSwitch(String model, String fromVersion, String toVersion, double secondsAfterCompletion) {
    }
}
