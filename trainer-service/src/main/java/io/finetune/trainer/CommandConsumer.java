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

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The command loop. A plain {@link KafkaConsumer} rather than a {@code @KafkaListener}: a job outlives many polls,
 * so its partition is paused while a worker trains, the loop keeps polling (heartbeats, rebalances, other
 * partitions), and the record is committed from this thread only once the job reaches a final state. Everything
 * touching the consumer happens on the loop thread; workers hand results back through a queue.
 */
@Singleton
public class CommandConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(CommandConsumer.class);
    private static final long RETRY_LATER_MILLIS = 5_000;

    private final KafkaClients clients;
    private final JobRunner runner;
    private final JobRegistry registry;
    private final TrainerMessages messages;
    private final TrainerConfiguration configuration;
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, JobRegistry.RunningJob> jobPartitions = new HashMap<>();
    private final Map<TopicPartition, Long> backoffUntil = new HashMap<>();
    private ExecutorService workers;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread loop;
    private volatile boolean running;

    private record Completion(JobRegistry.RunningJob job, JobOutcome outcome) {
    }

    private enum Handling { DONE, DISPATCHED, NO_CAPACITY }

    public CommandConsumer(KafkaClients clients, JobRunner runner, JobRegistry registry, TrainerMessages messages,
                           TrainerConfiguration configuration) {
        this.clients = clients;
        this.runner = runner;
        this.registry = registry;
        this.messages = messages;
        this.configuration = configuration;
    }

    @EventListener
    public synchronized void onStartup(StartupEvent event) {
        if (running) {
            return;
        }
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(configuration.maxConcurrentJobs(), r -> {
            Thread t = new Thread(r, "trainer-job-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        consumer = clients.commandConsumer();
        running = true;
        loop = new Thread(this::pollLoop, "trainer-commands");
        loop.start();
        LOG.info("consuming {} in group {} ({} job(s) at a time, owner {})", Topics.TRAINING_COMMANDS,
                configuration.groupId(), configuration.maxConcurrentJobs(), configuration.owner());
    }

    @PreDestroy
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        registry.stopAll("this instance is shutting down");
        consumer.wakeup();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(60));
            workers.shutdown();
            workers.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(Topics.TRAINING_COMMANDS), new Rebalance());
            while (running) {
                drainCompletions();
                applyPauses();
                ConsumerRecords<byte[], byte[]> records = consumer.poll(configuration.pollTimeout());
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                        Handling h = handle(record);
                        if (h != Handling.DONE) {
                            consumer.seek(tp, h == Handling.DISPATCHED ? record.offset() + 1 : record.offset());
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
            registry.stopAll("the command consumer stopped");
            consumer.close();
            LOG.info("command consumer closed");
        }
    }

    private Handling handle(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        DecodedCommand decoded = DecodedCommand.of(record.value());
        try {
            if (decoded instanceof DecodedCommand.Unparseable u) {
                LOG.warn("command at {}-{}@{} cannot be parsed; sending it to {}: {}", record.topic(),
                        record.partition(), record.offset(), Topics.TRAINING_COMMANDS_DLQ, u.error());
                messages.deadLetter(record, u.error());
                commit(tp, record.offset());
                return Handling.DONE;
            }
            TrainingCommand command = decoded instanceof DecodedCommand.Valid v ? v.command()
                    : ((DecodedCommand.Invalid) decoded).command();
            String invalid = decoded instanceof DecodedCommand.Invalid i ? i.reason() : null;
            if (command.kind() == JobKind.CANCEL) {
                boolean here = registry.cancel(command.jobId(), record.partition(), record.offset());
                LOG.info("CANCEL for job {} ({})", command.jobId(), here ? "running here: stopping it"
                        : "not running here: nothing to stop");
                commit(tp, record.offset());
                return Handling.DONE;
            }
            if (registry.running(command.jobId()).isPresent()) {
                LOG.info("job {} is already running here; ignoring the resent command at {}-{}@{}",
                        command.jobId(), record.topic(), record.partition(), record.offset());
                commit(tp, record.offset());
                return Handling.DONE;
            }
            if (registry.size() >= configuration.maxConcurrentJobs()) {
                return Handling.NO_CAPACITY;
            }
            JobRegistry.RunningJob job = registry.register(command.jobId(), tp, record.offset());
            jobPartitions.put(tp, job);
            workers.execute(() -> {
                JobOutcome outcome;
                try {
                    outcome = runner.run(command, invalid, job);
                } catch (RuntimeException e) {
                    LOG.error("job {} ended with an unexpected error", command.jobId(), e);
                    outcome = JobOutcome.RETRY_LATER;
                }
                completions.add(new Completion(job, outcome));
            });
            return Handling.DISPATCHED;
        } catch (RuntimeException e) {
            LOG.error("cannot handle the command at {}-{}@{}; retrying it in {} ms", record.topic(),
                    record.partition(), record.offset(), RETRY_LATER_MILLIS, e);
            backoffUntil.put(tp, System.currentTimeMillis() + RETRY_LATER_MILLIS);
            return Handling.NO_CAPACITY;
        }
    }

    private void drainCompletions() {
        Completion c;
        while ((c = completions.poll()) != null) {
            JobRegistry.RunningJob job = c.job();
            TopicPartition tp = job.partition();
            registry.remove(job);
            jobPartitions.remove(tp, job);
            if (!consumer.assignment().contains(tp)) {
                LOG.info("job {} ended {} after its partition {} moved; its new owner commits", job.jobId(),
                        c.outcome(), tp);
                continue;
            }
            switch (c.outcome()) {
                case FINISHED -> commit(tp, job.offset());
                case ABANDONED, RETRY_LATER -> {
                    consumer.seek(tp, job.offset());
                    backoffUntil.put(tp, System.currentTimeMillis() + RETRY_LATER_MILLIS);
                }
            }
        }
    }

    /** Paused: partitions with a job in progress, partitions backing off, and all of them when at capacity. */
    private void applyPauses() {
        Set<TopicPartition> assigned = consumer.assignment();
        long now = System.currentTimeMillis();
        backoffUntil.values().removeIf(until -> until <= now);
        Set<TopicPartition> paused = new HashSet<>();
        if (registry.size() >= configuration.maxConcurrentJobs()) {
            paused.addAll(assigned);
        } else {
            paused.addAll(jobPartitions.keySet());
            paused.addAll(backoffUntil.keySet());
            paused.retainAll(assigned);
        }
        Set<TopicPartition> resumed = new HashSet<>(assigned);
        resumed.removeAll(paused);
        consumer.pause(paused);
        consumer.resume(resumed);
    }

    private void commit(TopicPartition tp, long offset) {
        consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset + 1)));
    }

    /** Partitions leaving this instance take their jobs with them: stop those at the next batch boundary. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            drainCompletions();
            letGo(partitions, "its partition moved to another instance");
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            letGo(partitions, "this instance lost its partition");
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                LOG.info("assigned {}", partitions);
            }
        }

        private void letGo(Collection<TopicPartition> partitions, String reason) {
            for (JobRegistry.RunningJob job : registry.stop(partitions, reason)) {
                LOG.warn("stopping job {}: {}", job.jobId(), reason);
            }
            partitions.forEach(jobPartitions::remove);
            partitions.forEach(backoffUntil::remove);
        }
    }
}
