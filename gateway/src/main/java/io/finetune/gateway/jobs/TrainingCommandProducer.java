package io.finetune.gateway.jobs;

import io.finetune.contracts.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.Topic;

/** Sends encoded {@code TrainingCommand}s keyed by jobId; returns once the broker has acknowledged (acks=all). */
@KafkaClient(id = "training-commands", acks = KafkaClient.Acknowledge.ALL)
public interface TrainingCommandProducer {
    @Topic(Topics.TRAINING_COMMANDS)
    void send(@KafkaKey String jobId, byte[] command);
}
