package io.finetune.trainer;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.JobCancelRequest;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The trainer group's jobs in object storage, {@code queues/{group}/}: the command consumer records each training
 * command here (create-only, named by the record's timestamp, so a redelivered record makes no second entry) and
 * commits its offset; any trainer with a free slot claims the oldest entry it can lease. An entry stays until its
 * job's state is final, so a job whose trainer died is still here for the next one.
 */
@Singleton
public class WorkQueue {
    private static final Logger LOG = LoggerFactory.getLogger(WorkQueue.class);

    private final ObjectStore store;
    private final String prefix;

    /** One queued job; {@code submittedMillis} is the broker timestamp of its command record. */
    public record Entry(String key, long submittedMillis, String jobId) {
    }

    public WorkQueue(ObjectStore store, TrainerConfiguration configuration) {
        this.store = store;
        this.prefix = ObjectLayout.queuePrefix(configuration.groupId());
    }

    /** Records a command; false when it already was (a redelivery). */
    public boolean enqueue(long submittedMillis, String jobId, byte[] command) {
        return store.createIfAbsent(ObjectLayout.queueEntry(groupOf(), submittedMillis, jobId), command,
                "application/json");
    }

    /** Oldest first. */
    public List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        for (String key : store.list(prefix)) {
            Optional<Entry> entry = parse(key);
            if (entry.isPresent()) {
                entries.add(entry.get());
            } else {
                LOG.warn("ignoring {}: expected a queue entry named {{13-digit millis}}-{{jobId}}", key);
            }
        }
        return entries;
    }

    public Optional<byte[]> command(Entry entry) {
        return store.get(entry.key());
    }

    public void remove(Entry entry) {
        store.delete(entry.key());
    }

    /** Records a CANCEL for the job; false when one already was. */
    public boolean requestCancel(String jobId, Instant commandAt) {
        return store.createJsonIfAbsent(ObjectLayout.jobCancel(jobId), new JobCancelRequest(
                JobCancelRequest.SCHEMA_VERSION, jobId, commandAt, "cancelled by a CANCEL command sent at "
                        + commandAt));
    }

    public Optional<JobCancelRequest> cancelRequest(String jobId) {
        return store.get(ObjectLayout.jobCancel(jobId)).map(b -> ContractCodec.decode(b, JobCancelRequest.class));
    }

    private String groupOf() {
        return prefix.substring(ObjectLayout.QUEUES.length(), prefix.length() - 1);
    }

    private Optional<Entry> parse(String key) {
        String name = key.substring(prefix.length());
        int dash = name.indexOf('-');
        if (dash != 13 || !name.substring(0, 13).chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        String jobId = name.substring(14);
        if (!ObjectLayout.JOB_ID.matcher(jobId).matches()) {
            return Optional.empty();
        }
        return Optional.of(new Entry(key, Long.parseLong(name.substring(0, 13)), jobId));
    }
}
