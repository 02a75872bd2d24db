package io.finetune.gateway.jobs;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.ServingMode;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
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
public record JobRequest(@Nullable @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
                                 message = "expected 1-128 letters, digits, '.', '_' or '-'") String jobId,
                         @NotNull(message = "expected one of BASE, FINETUNE, SCRATCH") JobKind kind,
                         @NotBlank(message = "expected a model name") String modelName,
                         @NotNull(message = "expected {name, version}") DatasetRef dataset,
                         @Nullable ModelRef baseModel,
                         @NotBlank(message = "expected an architecture name") String architecture,
                         @NotNull(message = "expected epochs, batchSize, learningRate and imageSize")
                         HyperParameters hyperParameters,
                         @Nullable Long seed,
                         @Nullable ServingMode serve) {
}
