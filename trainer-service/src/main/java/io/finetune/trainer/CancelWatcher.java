package io.finetune.trainer;

import io.finetune.contracts.JobKind;
import io.finetune.contracts.Topics;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sees every CANCEL on the commands topic, whichever instance owns its partition. Needed because a running job's
 * partition is paused in the group consumer, so a CANCEL behind it would only be read after the job ended. It
 * starts at the group's committed offsets, so after a crash the CANCELs of jobs still in progress are replayed.
 */
@Singleton
public class CancelWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(CancelWatcher.class);
    private static final long TOPIC_RETRY_MILLIS = 5_000;

    private final KafkaClients clients;
    private final JobRegistry registry;
    private final TrainerConfiguration configuration;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread loop;
    private volatile boolean running;

    public CancelWatcher(KafkaClients clients, JobRegistry registry, TrainerConfiguration configuration) {
        this.clients = clients;
        this.registry = registry;
        this.configuration = configuration;
    }

    @EventListener
    public synchronized void onStartup(StartupEvent event) {
        if (running) {
            return;
        }
        consumer = clients.cancelWatcher();
        running = true;
        loop = new Thread(this::pollLoop, "trainer-cancel-watch");
        loop.setDaemon(true);
        loop.start();
    }

    @PreDestroy
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The topic's partitions, waiting while it does not exist yet. */
    private List<TopicPartition> partitions() {
        while (running) {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.TRAINING_COMMANDS, Duration.ofSeconds(60));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            }
            LOG.warn("topic {} does not exist yet; CANCEL commands are watched once it does",
                    Topics.TRAINING_COMMANDS);
            try {
                Thread.sleep(TOPIC_RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return List.of();
    }

    private void pollLoop() {
        try {
            List<TopicPartition> partitions = partitions();
            if (partitions.isEmpty()) {
                return;
            }
            consumer.assign(partitions);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(java.util.Set.copyOf(partitions));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata at = committed.get(tp);
                if (at == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, at.offset());
                }
            }
            LOG.info("watching {} partitions of {} for CANCEL commands", partitions.size(), Topics.TRAINING_COMMANDS);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(configuration.pollTimeout())) {
                    if (DecodedCommand.of(record.value()) instanceof DecodedCommand.Valid v
                            && v.command().kind() == JobKind.CANCEL
                            && registry.cancel(v.command().jobId(), record.partition(), record.offset())) {
                        LOG.info("CANCEL for job {} at {}-{}@{}: stopping it at the next batch",
                                v.command().jobId(), record.topic(), record.partition(), record.offset());
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("cancel watcher woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("cancel watcher failed; CANCEL commands reach running jobs only after they end", e);
        } finally {
            consumer.close();
        }
    }
}
