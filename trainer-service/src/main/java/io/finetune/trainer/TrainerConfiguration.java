package io.finetune.trainer;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code finetune.trainer.*}: how this instance consumes commands and where it keeps local files. The broker address
 * is micronaut-kafka's {@code kafka.bootstrap.servers} (environment {@code KAFKA_BOOTSTRAP_SERVERS}).
 *
 * @param groupId           the consumer group of every trainer instance: more instances, more jobs in parallel
 * @param offsetReset       where a new group starts reading: {@code earliest} so no command sent before the first
 *                          trainer started is lost
 * @param maxConcurrentJobs training jobs at a time on this instance (each uses every core through ND4J)
 * @param sessionTimeout    how soon the group notices a dead instance and moves its partitions (commands not yet queued) on
 * @param pollTimeout       one poll of the consumer loop; commits and resumes happen between polls
 * @param workDir           datasets cache, base models and checkpoints (environment {@code FINETUNE_TRAINER_WORK_DIR});
 *                          defaults to {@code java.io.tmpdir/finetune-trainer}
 * @param instanceId        the owner written into job state; defaults to host name and process id
 * @param faultRetries      attempts of a job that hits a storage or broker fault before it is reported failed
 * @param faultBackoff      first wait between such attempts, doubled each time
 * @param keepCheckpoints   complete checkpoints kept in object storage per job (older ones are deleted)
 */
@ConfigurationProperties("finetune.trainer")
public record TrainerConfiguration(
        @Bindable(defaultValue = "finetune-trainer") @NotBlank String groupId,
        @Bindable(defaultValue = "earliest") @Pattern(regexp = "earliest|latest",
                message = "expected earliest or latest") String offsetReset,
        @Bindable(defaultValue = "1") @Min(1) @Max(64) int maxConcurrentJobs,
        @Bindable(defaultValue = "10s") @NotNull Duration sessionTimeout,
        @Bindable(defaultValue = "200ms") @NotNull Duration pollTimeout,
        @Nullable String workDir,
        @Nullable String instanceId,
        @Bindable(defaultValue = "3") @Min(1) @Max(20) int faultRetries,
        @Bindable(defaultValue = "1s") @NotNull Duration faultBackoff,
        @Bindable(defaultValue = "2") @Min(1) @Max(100) int keepCheckpoints) {

    public Path workPath() {
        return workDir == null || workDir.isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "finetune-trainer") : Path.of(workDir);
    }

    public String owner() {
        if (instanceId != null && !instanceId.isBlank()) {
            return instanceId;
        }
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        return host + "/" + ProcessHandle.current().pid();
    }
}
