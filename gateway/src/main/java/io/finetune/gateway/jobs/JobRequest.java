package io.finetune.gateway.jobs;

import io.finetune.contracts.ArchitectureNames;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.ServingMode;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * The body of {@code POST /api/v1/jobs}: a {@code TrainingCommand} without schema version; {@code jobId} is
 * generated when absent. The contract's own rules (ranges, FINETUNE needs a base model...) are checked too.
 * {@code serve} (optional): LATEST serves the model and follows its new versions, PINNED serves exactly the version
 * this job publishes.
 */
@Introspected
public record JobRequest(@Nullable @Pattern(regexp = ObjectLayout.JOB_ID_REGEX,
                                 message = "expected 1-128 letters, digits, '.', '_' or '-'") String jobId,
                         @NotNull(message = "expected one of BASE, FINETUNE, SCRATCH")
                         @Schema(implementation = String.class, allowableValues = {"BASE", "FINETUNE", "SCRATCH"})
                         JobKind kind,
                         @NotBlank(message = "expected a model name")
                         @Schema(pattern = ObjectLayout.NAME_REGEX) String modelName,
                         @NotNull(message = "expected {name, version}") DatasetRef dataset,
                         @Nullable @Schema(description = "FINETUNE only (and required there): the model to start "
                                 + "from") ModelRef baseModel,
                         @NotBlank(message = "expected an architecture name")
                         @Schema(allowableValues = {ArchitectureNames.EFFICIENTNET_LITE0,
                                 ArchitectureNames.EFFICIENTNET_LITE1, ArchitectureNames.EFFICIENTNET_LITE2,
                                 ArchitectureNames.RES_CNN, ArchitectureNames.SEED_CNN}) String architecture,
                         @NotNull(message = "expected epochs, batchSize, learningRate and imageSize")
                         HyperParameters hyperParameters,
                         @Nullable Long seed,
                         @Nullable ServingMode serve) {
}
