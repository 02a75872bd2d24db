package io.finetune.inference;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * {@code finetune.inference.on-demand.*}: versions other than a model's served one, loaded when a prediction names
 * them ({@code ?version=N}); each key also comes from the environment
 * ({@code FINETUNE_INFERENCE_ON_DEMAND_MAX_VERSIONS}).
 *
 * @param maxVersions    versions kept loaded besides the served ones, all models together; the least recently used
 *                       is closed when another must load
 * @param loadWait       how long a request waits for the version it names to load before it gets a 503 (the load
 *                       goes on, and a later request finds it loaded)
 * @param maxQueuedLoads versions waiting for the one loader thread; a request for another version beyond that gets
 *                       a 503 at once
 */
@ConfigurationProperties("finetune.inference.on-demand")
public record OnDemandConfiguration(@Bindable(defaultValue = "2") @Min(1) @Max(16) int maxVersions,
                                    @Bindable(defaultValue = "20s") @NotNull Duration loadWait,
                                    @Bindable(defaultValue = "4") @Min(1) @Max(64) int maxQueuedLoads) {
}
