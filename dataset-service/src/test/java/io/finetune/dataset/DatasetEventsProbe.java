package io.finetune.dataset;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetEvent;
import io.finetune.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** Reads the real dataset topic from the beginning, as a consumer of the events would. */
final class DatasetEventsProbe implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();

    DatasetEventsProbe(String bootstrap) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.DATASET_EVENTS).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Waits for an event keyed by {@code dataset} that matches; decodes it with the contract codec. */
    DatasetEvent await(String dataset, Predicate<DatasetEvent> matching, Duration timeout) {
        var found = new java.util.concurrent.atomic.AtomicReference<DatasetEvent>();
        Awaitility.await().atMost(timeout).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            Optional<DatasetEvent> e = seen.stream().filter(r -> dataset.equals(r.key()))
                    .map(r -> ContractCodec.decode(r.value(), DatasetEvent.class)).filter(matching).findFirst();
            e.ifPresent(found::set);
            return e.isPresent();
        });
        return found.get();
    }

    @Override
    public void close() {
        consumer.close();
    }

    /** Events of a type seen so far for a dataset (after the last {@link #await}). */
    int count(String dataset, io.finetune.contracts.DatasetEventType type) {
        consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        return (int) seen.stream().filter(r -> dataset.equals(r.key()))
                .map(r -> ContractCodec.decode(r.value(), DatasetEvent.class)).filter(e -> e.type() == type).count();
    }
}
