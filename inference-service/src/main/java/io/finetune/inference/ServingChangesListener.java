package io.finetune.inference;

import io.finetune.contracts.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.core.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every replica sees every serving change (its own consumer group, from the latest offset: the state before its
 * start is read from storage). The event only says that something changed: storage is what the replica reconciles
 * to, so a stale or redelivered event changes nothing.
 */
@KafkaListener(groupId = "${micronaut.application.name}-serving", uniqueGroupId = true,
        offsetReset = OffsetReset.LATEST)
class ServingChangesListener {
    private static final Logger LOG = LoggerFactory.getLogger(ServingChangesListener.class);

    private final ModelRegistry registry;

    ServingChangesListener(ModelRegistry registry) {
        this.registry = registry;
    }

    @Topic(Topics.SERVING_CHANGES)
    void receive(@KafkaKey @Nullable String model, byte[] value) {
        LOG.info("serving state of {} changed", model);
        try {
            registry.reconcile();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the serving state after a change of {} (retried at the next pointer check): {}",
                    model, e.getMessage());
        }
    }
}
