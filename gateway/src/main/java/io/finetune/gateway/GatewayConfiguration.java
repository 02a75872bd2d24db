package io.finetune.gateway;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.core.annotation.Nullable;
import jakarta.validation.constraints.Min;

import java.util.List;
import java.util.Objects;

/**
 * {@code finetune.gateway.*}: who may change things and how large a request may be.
 *
 * @param apiKeys           keys accepted in {@code X-API-Key} or {@code Authorization: Bearer}; env
 *                          {@code FINETUNE_GATEWAY_API_KEYS} (comma-separated). None configured: every mutating
 *                          request is refused.
 * @param publicPredictions whether {@code POST /api/v1/predict/{model}} is open to anonymous callers (default: no,
 *                          predictions need a key like every other request that costs the system work)
 * @param maxJsonBytes      largest JSON request body (jobs, dataset imports)
 * @param maxImageBytes     largest prediction image
 * @param maxUploadBytes    largest dataset archive upload (also {@code micronaut.server.max-request-size})
 */
@ConfigurationProperties("finetune.gateway")
public record GatewayConfiguration(@Nullable List<String> apiKeys,
                                   @Bindable(defaultValue = "false") boolean publicPredictions,
                                   @Bindable(defaultValue = "65536") @Min(1024) long maxJsonBytes,
                                   @Bindable(defaultValue = "20971520") @Min(1024) long maxImageBytes,
                                   @Bindable(defaultValue = "2147483648") @Min(1024) long maxUploadBytes) {

    /** The configured keys without blanks (an unset environment variable yields an empty entry). */
    public List<String> keys() {
        return apiKeys == null ? List.of()
                : apiKeys.stream().filter(Objects::nonNull).map(String::trim).filter(k -> !k.isEmpty()).toList();
    }
}
