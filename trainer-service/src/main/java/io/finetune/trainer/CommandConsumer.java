package io.finetune.trainer;

import io.finetune.contracts.JobKind;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.Topics;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The command loop: moves training commands from Kafka into the trainer group's {@link WorkQueue} and records CANCELs
 * beside their jobs, committing each record only once that write succeeded (at-least-once; both writes are
 * create-only, so a redelivery changes nothing). It never waits for a job, so no partition is held by a running job;
 * the {@link JobScheduler} of any instance with a free slot runs the queued jobs. A plain {@link KafkaConsumer} so that
 * a record whose write fails is sought back and retried after a pause of its partition alone.
 */
@Singleton
public class CommandConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(CommandConsumer.class);
    private static final long RETRY_LATER_MILLIS = 5_000;

    private final KafkaClients clients;
    private final WorkQueue queue;
    private final JobRegistry registry;
    private final TrainerMessages messages;
    private final TrainerConfiguration configuration;
    private final Map<TopicPartition, Long> backoffUntil = new HashMap<>();
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread loop;
    private volatile boolean running;

    public CommandConsumer(KafkaClients clients, WorkQueue queue, JobRegistry registry, TrainerMessages messages,
                           TrainerConfiguration configuration) {
        this.clients = clients;
        this.queue = queue;
        this.registry = registry;
        this.messages = messages;
        this.configuration = configuration;
    }

    @EventListener
    public synchronized void onStartup(StartupEvent event) {
        if (running) {
            return;
        }
        consumer = clients.commandConsumer();
        running = true;
        loop = new Thread(this::pollLoop, "trainer-commands");
        loop.start();
        LOG.info("consuming {} in group {} into the work queue", Topics.TRAINING_COMMANDS, configuration.groupId());
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

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(Topics.TRAINING_COMMANDS), new Rebalance());
            while (running) {
                applyBackoff();
                ConsumerRecords<byte[], byte[]> records = consumer.poll(configuration.pollTimeout());
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                        if (!handle(record)) {
                            consumer.seek(tp, record.offset());
                            backoffUntil.put(tp, System.currentTimeMillis() + RETRY_LATER_MILLIS);
                            break;
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("command consumer woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("command consumer failed; this instance stops consuming", e);
        } finally {
            consumer.close();
            LOG.info("command consumer closed");
        }
    }

    /** True when the record is recorded (or dead-lettered) and committed; false to retry it later. */
    private boolean handle(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        try {
            DecodedCommand decoded = DecodedCommand.of(record.value());
            if (decoded instanceof DecodedCommand.Unparseable u) {
                LOG.warn("command at {}-{}@{} cannot be parsed; sending it to {}: {}", record.topic(),
                        record.partition(), record.offset(), Topics.TRAINING_COMMANDS_DLQ, u.error());
                messages.deadLetter(record, u.error());
            } else {
                TrainingCommand command = decoded instanceof DecodedCommand.Valid v ? v.command()
                        : ((DecodedCommand.Invalid) decoded).command();
                if (command.kind() == JobKind.CANCEL) {
                    Instant at = Instant.ofEpochMilli(record.timestamp());
                    queue.requestCancel(command.jobId(), at);
                    boolean here = registry.cancel(command.jobId(), "cancelled by a CANCEL command sent at " + at);
                    LOG.info("CANCEL for job {} recorded ({})", command.jobId(), here ? "running here: stopping it"
                            : "the trainer running it sees it at its next heartbeat");
                } else if (queue.enqueue(record.timestamp(), command.jobId(), record.value())) {
                    LOG.info("job {} queued from {}-{}@{}", command.jobId(), record.topic(), record.partition(),
                            record.offset());
                }
            }
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(record.offset() + 1)));
            return true;
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("cannot handle the command at {}-{}@{}; retrying it in {} ms", record.topic(),
                    record.partition(), record.offset(), RETRY_LATER_MILLIS, e);
            return false;
        }
    }

    private void applyBackoff() {
        Set<TopicPartition> assigned = consumer.assignment();
        long now = System.currentTimeMillis();
        backoffUntil.values().removeIf(until -> until <= now);
        Set<TopicPartition> paused = new HashSet<>(backoffUntil.keySet());
        paused.retainAll(assigned);
        Set<TopicPartition> resumed = new HashSet<>(assigned);
        resumed.removeAll(paused);
        consumer.pause(paused);
        consumer.resume(resumed);
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            partitions.forEach(backoffUntil::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                LOG.info("assigned {}", partitions);
            }
        }
    }
}
