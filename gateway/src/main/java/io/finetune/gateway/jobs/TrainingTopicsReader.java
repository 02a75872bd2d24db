package io.finetune.gateway.jobs;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Rebuilds the jobs view from the beginning of the command and event topics on every start, then follows them.
 * It assigns every partition itself (no consumer group, no committed offsets), so a restart reads everything
 * again and loses nothing. Ready once it has read up to the end offsets it saw at start-up.
 */
@Context
public class TrainingTopicsReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingTopicsReader.class);
    private static final List<String> TOPICS = TrainingRecords.TOPICS;

    private final JobViewStore store;
    private final String bootstrapServers;
    private final Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean caughtUp;
    private volatile boolean running = true;
    private volatile String lastError;

    public TrainingTopicsReader(JobViewStore store, @Value("${kafka.bootstrap.servers}") String bootstrapServers) {
        this.store = store;
        this.bootstrapServers = bootstrapServers;
        this.thread = new Thread(this::run, "jobs-view-reader");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** True once everything that was on the topics at start-up has been applied to the view. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** The last failure to read the topics, if the reader is retrying. */
    public String lastError() {
        return lastError;
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(properties())) {
                consumer = c;
                if (!running) {
                    return;
                }
                follow(c);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                lastError = e.toString();
                LOG.warn("reading {} failed, starting again from the beginning: {}", TOPICS, e.toString());
                pause();
            }
        }
    }

    private void follow(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : TOPICS) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("expected topic " + topic + " to exist, found no partitions");
            }
            infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> endAtStart = c.endOffsets(partitions, Duration.ofSeconds(30));
        lastError = null;
        updateCaughtUp(c, endAtStart);
        while (running) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                apply(r);
            }
            if (!caughtUp) {
                updateCaughtUp(c, endAtStart);
            }
        }
    }

    private void updateCaughtUp(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> endAtStart) {
        boolean done = endAtStart.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
        if (done && !caughtUp) {
            LOG.info("jobs view rebuilt from {}: {} jobs", TOPICS, store.size());
            caughtUp = true;
        }
    }

    void apply(ConsumerRecord<String, byte[]> r) {
        TrainingRecords.apply(store, r);
    }

    private Properties properties() {
        return TrainingRecords.consumer(bootstrapServers, "gateway-jobs-view");
    }

    private void pause() {
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @PreDestroy
    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
