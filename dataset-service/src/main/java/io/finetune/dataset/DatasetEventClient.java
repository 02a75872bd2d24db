package io.finetune.dataset;

import io.finetune.contracts.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.Topic;

/** Sends {@code DatasetEvent} JSON (from ContractCodec), keyed by dataset name; blocks until acknowledged. */
@KafkaClient(id = "dataset-events", acks = KafkaClient.Acknowledge.ALL)
public interface DatasetEventClient {
    @Topic(Topics.DATASET_EVENTS)
    void send(@KafkaKey String datasetName, byte[] event);
}
