package io.finetune.trainer;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;

/**
 * {@code finetune.trainer.queue.*}: how trainers share the queued jobs (see docs/scaling-trainers.md).
 *
 * @param leaseTtl      a lease whose beat has not changed for this long, as seen by another trainer, is expired and
 *                      that trainer takes the job over: with {@code claimInterval} it bounds failover after a kill
 * @param heartbeat     how often a running job's lease is renewed and its CANCEL looked for (at most a third of
 *                      {@code leaseTtl}, so two missed renewals do not lose the job)
 * @param claimInterval how often a trainer with a free slot looks for the oldest claimable job
 * @param waitAlert     exported as {@code finetune_trainer_queue_wait_alert_seconds}: the FinetuneJobsWaiting alert
 *                      fires when the oldest pending job has waited longer
 */
@ConfigurationProperties("finetune.trainer.queue")
public record WorkQueueConfiguration(
        @Bindable(defaultValue = "15s") @NotNull Duration leaseTtl,
        @Bindable(defaultValue = "2s") @NotNull Duration heartbeat,
        @Bindable(defaultValue = "500ms") @NotNull Duration claimInterval,
        @Bindable(defaultValue = "10m") @NotNull Duration waitAlert) {

    public WorkQueueConfiguration {
        if (leaseTtl != null && heartbeat != null && heartbeat.multipliedBy(3).compareTo(leaseTtl) > 0) {
            throw new IllegalArgumentException("expected finetune.trainer.queue.heartbeat at most a third of "
                    + "lease-ttl " + leaseTtl + ", found " + heartbeat);
        }
    }
}
