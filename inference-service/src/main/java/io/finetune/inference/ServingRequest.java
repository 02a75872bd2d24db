package io.finetune.inference;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import jakarta.validation.constraints.Pattern;

/**
 * The body of {@code PUT /models/{name}/serving}.
 *
 * @param version {@code latest} (the default: follow new versions) or a version number to pin; the pattern is
 *                documentation (the gateway's OpenAPI document), the controller checks it
 */
@Introspected
public record ServingRequest(@Nullable @Pattern(regexp = "^(latest|[1-9][0-9]{0,17})$") String version) {
}
