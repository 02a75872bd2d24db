package io.finetune.inference;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * {@code finetune.inference.decoding.*}: how many large images may be decoded at once; each key also comes from the
 * environment ({@code FINETUNE_INFERENCE_DECODING_MAX_CONCURRENT}). Together with subsampled decoding this bounds the
 * heap a burst of large images can take by this number, not by the number of callers.
 *
 * @param maxConcurrent  large images decoded at once
 * @param ungatedPixels  images of at most this many pixels (width x height as stored) are decoded without a slot:
 *                       they cost at most about 7 MB of heap each
 * @param queueWait      how long a decode waits for a slot before its request gets a 503 with {@code Retry-After}
 * @param retryAfter     what that 503 tells the caller to wait before trying again
 */
@ConfigurationProperties("finetune.inference.decoding")
public record DecodingConfiguration(@Bindable(defaultValue = "4") @Min(1) @Max(256) int maxConcurrent,
                                    @Bindable(defaultValue = "1000000") @Min(0) long ungatedPixels,
                                    @Bindable(defaultValue = "2s") @NotNull Duration queueWait,
                                    @Bindable(defaultValue = "1s") @NotNull Duration retryAfter) {
}
