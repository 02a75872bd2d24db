package io.finetune.trainer;

import io.micronaut.configuration.kafka.config.DefaultKafkaConsumerConfiguration;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.util.Properties;

/**
 * Builds the trainer's plain consumers from micronaut-kafka's default consumer configuration (so
 * {@code kafka.bootstrap.servers} and the {@code kafka_consumer_*} metrics reporter apply) plus the typed
 * {@link TrainerConfiguration}.
 */
@Singleton
public class KafkaClients {
    private final DefaultKafkaConsumerConfiguration<byte[], byte[]> defaults;
    private final TrainerConfiguration configuration;

    public KafkaClients(DefaultKafkaConsumerConfiguration<byte[], byte[]> defaults,
                        TrainerConfiguration configuration) {
        this.defaults = defaults;
        this.configuration = configuration;
    }

    /** The group member that moves command records into the work queue: manual commits, cooperative rebalancing. */
    public KafkaConsumer<byte[], byte[]> commandConsumer() {
        Properties p = base("trainer-commands");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, configuration.groupId());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, configuration.offsetReset());
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) configuration.sessionTimeout().toMillis());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                (int) Math.max(500, configuration.sessionTimeout().toMillis() / 3));
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private Properties base(String clientPrefix) {
        Properties p = new Properties();
        p.putAll(defaults.getConfig());
        p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientPrefix + "-" + ProcessHandle.current().pid());
        return p;
    }
}
