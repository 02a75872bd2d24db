package io.finetune.inference;

import io.finetune.contracts.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.Topic;

/** Announces a serving state after it was written to storage, so that every replica reconciles at once. */
@KafkaClient(id = "serving-changes", acks = KafkaClient.Acknowledge.ALL)
interface ServingChanges {
    @Topic(Topics.SERVING_CHANGES)
    void announce(@KafkaKey String modelName, byte[] servingState);
}
