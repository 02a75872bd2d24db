package io.finetune.contracts;

import io.swagger.v3.oas.annotations.media.Schema;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

/** A dataset version in object storage; {@code version} may be {@code latest}. */
public record DatasetRef(@Schema(requiredMode = REQUIRED, pattern = ObjectLayout.NAME_REGEX) String name,
                         @Schema(requiredMode = REQUIRED, description = "a version number or latest",
                                 pattern = ContractValidator.VERSION_REGEX) String version) {
}
