package io.finetune.contracts;

import io.swagger.v3.oas.annotations.media.Schema;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

/** A published model version; {@code version} may be {@code latest} in commands. */
public record ModelRef(@Schema(requiredMode = REQUIRED, pattern = ObjectLayout.NAME_REGEX) String name,
                         @Schema(requiredMode = REQUIRED, description = "a version number or latest",
                                 pattern = ContractValidator.VERSION_REGEX) String version) {
}
