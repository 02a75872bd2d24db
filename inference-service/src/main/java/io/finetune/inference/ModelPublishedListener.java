package io.finetune.inference;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.core.annotation.Nullable;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every replica must see every {@link ModelPublished}, so each one joins its own consumer group (the application
 * name plus a random id) and starts at the latest offset: events from before its start are covered by the
 * pointers it reads at start-up and at every pointer check. A message that is not a valid event is logged and
 * skipped (the pointer check still finds the version it meant).
 */
@KafkaListener(groupId = "${micronaut.application.name}", uniqueGroupId = true, offsetReset = OffsetReset.LATEST)
class ModelPublishedListener implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(ModelPublishedListener.class);

    private final ModelRegistry registry;
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();

    ModelPublishedListener(ModelRegistry registry) {
        this.registry = registry;
    }

    @Topic(Topics.MODELS_PUBLISHED)
    void receive(@KafkaKey @Nullable String key, byte[] value) {
        ModelPublished event;
        try {
            event = ContractCodec.decode(value, ModelPublished.class);
        } catch (RuntimeException e) {
            LOG.warn("skipping an invalid ModelPublished (key {}): {}", key, e.getMessage());
            return;
        }
        LOG.info("published: {} version {}", event.modelName(), event.version());
        registry.onPublished(event);
    }

    /** Partitions of the publish topic this replica currently reads (for health details). */
    int assignedPartitions() {
        return assigned.size();
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        assigned.addAll(partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
    }
}
