package io.finetune.inference;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * {@code finetune.inference.serving.*}: how this replica takes part in the shared serving state (each key also from
 * the environment, {@code FINETUNE_INFERENCE_SERVING_DIVERGENCE_TOLERANCE=2m}).
 *
 * @param replicaId           names this replica's report in {@code serving/replicas/}; default: the host name and
 *                            the HTTP port (a pod name in Kubernetes)
 * @param divergenceTolerance how long a model may differ from its desired state (loading, refused, missing) before
 *                            {@code finetune_inference_serving_diverged} says 1 (and the alert fires)
 * @param maxModels           models from the serving state kept loaded on this replica (those pinned by
 *                            configuration do not count and are never unloaded); beyond it the least recently used
 *                            is unloaded, and loaded again when a request asks for it (that request gets a 503)
 */
@ConfigurationProperties("finetune.inference.serving")
public record ServingConfiguration(@Nullable String replicaId,
                                   @Bindable(defaultValue = "5m") @NotNull Duration divergenceTolerance,
                                   @Bindable(defaultValue = "16") @Min(1) @Max(1024) int maxModels) {
}
