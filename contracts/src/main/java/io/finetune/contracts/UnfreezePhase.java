package io.finetune.contracts;

import io.swagger.v3.oas.annotations.media.Schema;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

/** Optional second fine-tuning phase: unfreeze the top {@code layers} feature layers and train with a lower rate. */
public record UnfreezePhase(
        @Schema(requiredMode = REQUIRED, minimum = "1", maximum = "" + ContractValidator.MAX_EPOCHS) int epochs,
        @Schema(requiredMode = REQUIRED, minimum = "1", maximum = "1000") int layers,
        @Schema(requiredMode = REQUIRED, minimum = "0", exclusiveMinimum = true, maximum = "1") double learningRate) {
}
