package io.finetune.service;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * Where objects live: {@code finetune.storage.*} (environment: {@code FINETUNE_STORAGE_ENDPOINT},
 * {@code FINETUNE_STORAGE_ACCESS_KEY}, {@code FINETUNE_STORAGE_SECRET_KEY}, {@code FINETUNE_STORAGE_BUCKET}).
 * Credentials have no default: a service without them fails at start-up naming the missing property.
 */
@ConfigurationProperties("finetune.storage")
public record StorageConfiguration(
        @NotBlank @Pattern(regexp = "https?://.+", message = "expected an http(s):// URL") String endpoint,
        @NotBlank String accessKey,
        @NotBlank String secretKey,
        @Bindable(defaultValue = "finetune") @NotBlank String bucket) {
}
