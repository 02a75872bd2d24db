package io.finetune.trainer;

import jakarta.inject.Singleton;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs running on this instance and the CANCEL requests seen for jobs. A CANCEL applies to the command records
 * before it in the same partition (commands and cancels share the job id as key, so Kafka orders them): a cancel seen
 * before its job starts here, or replayed after a crash, still stops the job, while a later resend of a cancelled
 * job id is not touched.
 */
@Singleton
public class JobRegistry {
    static final int CANCELS_REMEMBERED = 10_000;

    private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
    private final Map<String, CancelRequest> cancels = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CancelRequest> eldest) {
            return size() > CANCELS_REMEMBERED;
        }
    };

    record CancelRequest(int partition, long offset) {
        boolean appliesTo(RunningJob job) {
            return partition != job.partition().partition() || offset > job.offset();
        }
    }

    /** One job on a worker thread; the flags are read by the training loop at every batch boundary. */
    public static final class RunningJob {
        private final String jobId;
        private final TopicPartition partition;
        private final long offset;
        private volatile String cancelReason;
        private volatile String stopReason;

        RunningJob(String jobId, TopicPartition partition, long offset) {
            this.jobId = jobId;
            this.partition = partition;
            this.offset = offset;
        }

        public String jobId() {
            return jobId;
        }

        public TopicPartition partition() {
            return partition;
        }

        public long offset() {
            return offset;
        }

        /** A user's CANCEL: the job ends CANCELLED. */
        public Optional<String> cancelReason() {
            return Optional.ofNullable(cancelReason);
        }

        /** This instance lets go (shutdown, partition moved): the job stays RUNNING for whoever resumes it. */
        public Optional<String> stopReason() {
            return Optional.ofNullable(stopReason);
        }

        public boolean shouldStop() {
            return cancelReason != null || stopReason != null;
        }

        void cancel(String reason) {
            cancelReason = reason;
        }

        void stop(String reason) {
            stopReason = reason;
        }
    }

    public synchronized RunningJob register(String jobId, TopicPartition partition, long offset) {
        RunningJob job = new RunningJob(jobId, partition, offset);
        CancelRequest cancel = cancels.get(jobId);
        if (cancel != null && cancel.appliesTo(job)) {
            job.cancel(cancelReason(cancel));
        }
        running.put(jobId, job);
        return job;
    }

    /** Records a CANCEL from {@code partition} at {@code offset} and applies it to the job if it runs here. */
    public synchronized boolean cancel(String jobId, int partition, long offset) {
        CancelRequest request = new CancelRequest(partition, offset);
        CancelRequest previous = cancels.get(jobId);
        if (previous == null || previous.partition() != partition || previous.offset() < offset) {
            cancels.put(jobId, request);
        }
        RunningJob job = running.get(jobId);
        if (job != null && request.appliesTo(job)) {
            job.cancel(cancelReason(request));
            return true;
        }
        return false;
    }

    public Optional<RunningJob> running(String jobId) {
        return Optional.ofNullable(running.get(jobId));
    }

    public int size() {
        return running.size();
    }

    public synchronized void remove(RunningJob job) {
        running.remove(job.jobId(), job);
    }

    public List<RunningJob> stop(Collection<TopicPartition> partitions, String reason) {
        List<RunningJob> stopped = running.values().stream().filter(j -> partitions.contains(j.partition()))
                .toList();
        stopped.forEach(j -> j.stop(reason));
        return stopped;
    }

    public void stopAll(String reason) {
        running.values().forEach(j -> j.stop(reason));
    }

    private static String cancelReason(CancelRequest request) {
        return "cancelled by a CANCEL command (partition " + request.partition() + ", offset " + request.offset()
                + ")";
    }
}
