package io.finetune.trainer;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;

/**
 * {@code finetune.trainer.cache.*}: how much disk the trainer's local copies may take (environment
 * {@code FINETUNE_TRAINER_CACHE_DATASET_BYTES}, {@code FINETUNE_TRAINER_CACHE_MODEL_BYTES}). Beyond, the copies no
 * running job uses are deleted, least recently used first ({@link LocalCopies}); they are downloaded again when
 * needed.
 *
 * @param datasetBytes dataset versions under {@code workDir/datasets}
 * @param modelBytes   base model packages under {@code workDir/models}
 */
@ConfigurationProperties("finetune.trainer.cache")
public record CacheConfiguration(@Bindable(defaultValue = "21474836480") @Min(1) long datasetBytes,
                                 @Bindable(defaultValue = "10737418240") @Min(1) long modelBytes) {
    /** No budget: for tools and tests that keep everything. */
    public static final CacheConfiguration UNBOUNDED = new CacheConfiguration(Long.MAX_VALUE, Long.MAX_VALUE);
}
