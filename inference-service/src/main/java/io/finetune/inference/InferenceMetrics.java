package io.finetune.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * The service's meters, named as the dashboards expect: {@code finetune_inference_request_seconds{model,version,
 * outcome}}, {@code finetune_inference_images_total{model}}, {@code finetune_inference_active_model_version{model}},
 * {@code finetune_inference_reloads_total{model,outcome}}, {@code finetune_inference_serving_diverged{model}},
 * {@code finetune_inference_serving_reconciliations_total{outcome}}.
 * Labels are bounded: model names are configured or published ones ({@link #UNKNOWN_MODEL} for any other request),
 * never per-request values.
 */
@Singleton
class InferenceMetrics {
    static final String UNKNOWN_MODEL = "unknown";
    static final String NO_VERSION = "none";

    enum Outcome {
        OK, BAD_REQUEST, NOT_FOUND, ERROR;

        String label() {
            return name().toLowerCase();
        }
    }

    private final MeterRegistry registry;
    private final ServingConfiguration serving;

    InferenceMetrics(MeterRegistry registry, ServingConfiguration serving) {
        this.registry = registry;
        this.serving = serving;
    }

    void request(String model, String version, Outcome outcome, Duration elapsed) {
        Timer.builder("finetune.inference.request")
                .description("Prediction requests by model, version and outcome")
                .tag("model", model).tag("version", version).tag("outcome", outcome.label())
                .publishPercentileHistogram()
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(registry)
                .record(elapsed);
    }

    void images(String model, int count) {
        Counter.builder("finetune.inference.images").description("Images classified")
                .tag("model", model).register(registry).increment(count);
    }

    void reload(String model, boolean ok) {
        Counter.builder("finetune.inference.reloads").description("Model version loads by outcome")
                .tag("model", model).tag("outcome", ok ? "ok" : "failed").register(registry).increment();
    }

    /** One reconciliation with the serving state finished (at start, on changes, at every pointer check). */
    void reconciled(boolean ok) {
        Counter.builder("finetune.inference.serving.reconciliations")
                .description("Reconciliations with the serving state in storage, by outcome")
                .tag("outcome", ok ? "ok" : "failed").register(registry).increment();
    }

    void watch(ServedModel model) {
        Gauge.builder("finetune.inference.active.model.version", model, ServedModel::activeVersionNumber)
                .description("The version being served (NaN while none is)")
                .tag("model", model.name()).register(registry);
        Gauge.builder("finetune.inference.serving.diverged", model,
                        m -> m.divergedLongerThan(serving.divergenceTolerance()))
                .description("1 while this replica has not served the desired version of the model for longer "
                        + "than finetune.inference.serving.divergence-tolerance (loading, refused, not published)")
                .tag("model", model.name()).register(registry);
    }

    /** Removes a stopped model's gauges (a model served again gets new ones). */
    void unwatch(ServedModel model) {
        for (String name : new String[]{"finetune.inference.active.model.version",
                "finetune.inference.serving.diverged"}) {
            Gauge gauge = registry.find(name).tag("model", model.name()).gauge();
            if (gauge != null) {
                registry.remove(gauge);
            }
        }
    }
}
