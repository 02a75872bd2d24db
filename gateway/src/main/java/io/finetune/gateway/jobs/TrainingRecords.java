package io.finetune.gateway.jobs;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ContractViolationException;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.TrainingEvent;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Properties;

/** How the gateway reads the training topics: the same consumer settings and the same folding, live or on demand. */
final class TrainingRecords {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRecords.class);
    static final List<String> TOPICS = List.of(Topics.TRAINING_COMMANDS, Topics.TRAINING_EVENTS);

    private TrainingRecords() {
    }

    /** Folds one record into the view; a record that breaks the contracts is skipped (the trainer dead-letters it). */
    static void apply(JobViewStore view, ConsumerRecord<String, byte[]> r) {
        Instant at = Instant.ofEpochMilli(r.timestamp());
        try {
            if (Topics.TRAINING_COMMANDS.equals(r.topic())) {
                view.apply(ContractCodec.decode(r.value(), TrainingCommand.class), at);
            } else {
                view.apply(ContractCodec.decode(r.value(), TrainingEvent.class), at);
            }
        } catch (ContractViolationException e) {
            LOG.warn("skipping {}-{}@{} in the jobs view: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    /** An assign-only consumer (no group, no committed offsets) that sees committed records only. */
    static Properties consumer(String bootstrapServers, String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return p;
    }
}
