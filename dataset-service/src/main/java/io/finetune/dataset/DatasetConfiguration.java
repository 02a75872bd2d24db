package io.finetune.dataset;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;
import java.util.List;

/**
 * {@code finetune.dataset.*}: where imports may come from and the limits that protect the service.
 * Environment: {@code FINETUNE_DATASET_IMPORT_ROOTS} (comma-separated), {@code FINETUNE_DATASET_MAX_UPLOAD_BYTES},
 * {@code FINETUNE_DATASET_WORK_DIR}, {@code FINETUNE_DATASET_STALE_INGEST_AFTER}, ...
 *
 * @param importRoots          directories server-side imports may read; relative ones resolve against the
 *                             working directory
 * @param maxUploadBytes       largest archive upload accepted (413 above)
 * @param workDir              where uploads are spooled and archives extracted (blank: the system temp folder)
 * @param maxArchiveEntries    more entries than this and the archive is refused
 * @param maxExtractedBytes    total uncompressed bytes an archive may expand to
 * @param maxCompressionRatio  uncompressed / compressed above this (per entry and in total) is a zip bomb
 * @param maxImageBytes        largest single image file
 * @param maxImagePixels       largest width x height (decompression bombs), checked from the header
 * @param decodeThreads        parallel decoders (0: one per core)
 * @param uploadThreads        parallel shard uploads to object storage (at most this many sealed shards wait)
 * @param shardBytes           stored images are packed into shard objects of about this size (one image larger
 *                             than this gets a shard of its own)
 * @param concurrentIngests    ingests that run at once; more wait in line
 * @param staleIngestAfter     an in-progress marker whose heartbeat is older than this belongs to a dead process
 * @param heartbeatInterval    how often a running ingest refreshes its marker
 */
@ConfigurationProperties("finetune.dataset")
public record DatasetConfiguration(
        @Bindable(defaultValue = "../shared/datasets") @NotEmpty List<String> importRoots,
        @Bindable(defaultValue = "4294967296") @Min(1) long maxUploadBytes,
        @Bindable(defaultValue = "") @NotNull String workDir,
        @Bindable(defaultValue = "200000") @Min(1) int maxArchiveEntries,
        @Bindable(defaultValue = "17179869184") @Min(1) long maxExtractedBytes,
        @Bindable(defaultValue = "100") @Min(1) int maxCompressionRatio,
        @Bindable(defaultValue = "33554432") @Min(1) long maxImageBytes,
        @Bindable(defaultValue = "40000000") @Min(1) long maxImagePixels,
        @Bindable(defaultValue = "0") @Min(0) int decodeThreads,
        @Bindable(defaultValue = "8") @Min(1) int uploadThreads,
        @Bindable(defaultValue = "4194304") @Min(1) long shardBytes,
        @Bindable(defaultValue = "2") @Min(1) int concurrentIngests,
        @Bindable(defaultValue = "2m") @NotNull Duration staleIngestAfter,
        @Bindable(defaultValue = "10s") @NotNull Duration heartbeatInterval) {

    public int effectiveDecodeThreads() {
        return decodeThreads > 0 ? decodeThreads : Runtime.getRuntime().availableProcessors();
    }
}
