package io.finetune.gateway.jobs;

import io.finetune.service.ApiException;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * One job's view read from the topics on demand, for a finished job the bounded {@link JobViewStore} dropped: the
 * commands and events keyed by its id are all in one partition of each topic (the key picks it), which is read from
 * its beginning to its current end and folded exactly as the live view folds them. At most two such reads run at
 * once (a third caller gets a 503), each within {@code readTimeout}.
 */
@Singleton
public class JobHistory {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobHistory.class);
    private static final List<String> TOPICS = TrainingRecords.TOPICS;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    private final String bootstrapServers;
    private final Semaphore reads = new Semaphore(2);

    public JobHistory(@Value("${kafka.bootstrap.servers}") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    public Optional<JobView> read(String jobId) {
        if (!reads.tryAcquire()) {
            throw ApiException.busy("expected a free reader of older jobs, found both busy: retry later",
                    Duration.ofSeconds(1));
        }
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(TrainingRecords.consumer(bootstrapServers,
                "gateway-job-history"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : TOPICS) {
                List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
                int count = infos == null ? 0 : infos.size();
                if (count == 0) {
                    throw new IllegalStateException("expected topic " + topic + " to exist, found no partitions");
                }
                // the producers' default partitioner: murmur2 of the key, as Kafka's BuiltInPartitioner does
                partitions.add(new TopicPartition(topic, Utils.toPositive(Utils.murmur2(jobId.getBytes(
                        StandardCharsets.UTF_8))) % count));
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, Duration.ofSeconds(10));
            JobViewStore one = new JobViewStore();
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw ApiException.busy("expected job " + jobId + " read from " + TOPICS + " within "
                            + READ_TIMEOUT.toSeconds() + " s, found the read unfinished: retry later",
                            Duration.ofSeconds(5));
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (jobId.equals(r.key())) {
                        TrainingRecords.apply(one, r);
                    }
                }
            }
            return one.get(jobId);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("cannot read job {} from {}", jobId, TOPICS, e);
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "cannot read job " + jobId + " from the training "
                    + "topics at the moment: retry later");
        } finally {
            reads.release();
        }
    }
}
