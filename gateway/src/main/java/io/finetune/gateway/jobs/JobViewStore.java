package io.finetune.gateway.jobs;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.TrainingEvent;
import io.finetune.contracts.TrainingEventType;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs view: folds commands and events into one {@link JobView} per jobId. Applying the same message twice
 * changes nothing (delivery is at-least-once), a final state is never left for a non-final one, and commands and
 * events may arrive in either order (they are on different topics) with the same result, so a rebuild from the
 * topics after a restart gives the same view. Bounded: beyond {@code maxJobs} the finished jobs updated longest ago
 * are dropped from memory (their ids remembered, so they are read from the topics on demand).
 */
@Singleton
public class JobViewStore {
    private final Map<String, JobView> jobs = new ConcurrentHashMap<>();
    private final int maxJobs;
    /** Ids of finished jobs dropped from memory (at most {@code 10 * maxJobs}, oldest forgotten first). */
    private final Set<String> evicted;

    /** Unbounded: for a view of one job's history, and for tests. */
    public JobViewStore() {
        this(Integer.MAX_VALUE);
    }

    /**
     * @param maxJobs jobs kept in memory; beyond, the finished ones updated longest ago are dropped (still readable
     *                from the topics on demand, see {@link JobHistory}); running and submitted jobs are never dropped
     */
    @Inject
    public JobViewStore(@Value("${finetune.gateway.jobs-view.max-jobs:10000}") int maxJobs) {
        if (maxJobs < 1) {
            throw new IllegalArgumentException("expected finetune.gateway.jobs-view.max-jobs >= 1, found " + maxJobs);
        }
        this.maxJobs = maxJobs;
        int maxEvicted = (int) Math.min(Integer.MAX_VALUE / 2, 10L * maxJobs);
        this.evicted = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > maxEvicted;
            }
        }));
    }

    public Optional<JobView> get(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    /** Whether this job was dropped from memory when the view was full: its history is on the topics. */
    public boolean wasEvicted(String jobId) {
        return evicted.contains(jobId);
    }

    /** Newest first (by first sighting, then jobId), at most {@code limit}. */
    public List<JobView> list(int limit) {
        return jobs.values().stream()
                .sorted(Comparator.comparing(JobView::submittedAt).reversed().thenComparing(JobView::jobId))
                .limit(limit).toList();
    }

    public int size() {
        return jobs.size();
    }

    /** @param at the broker timestamp of the command's record */
    public void apply(TrainingCommand command, Instant at) {
        if (evicted.contains(command.jobId())) {
            return; // finished and dropped: a redelivered message must not bring back half a job
        }
        jobs.compute(command.jobId(), (id, old) -> {
            Draft d = new Draft(old, id, at);
            if (command.kind() == JobKind.CANCEL) {
                d.cancelRequested = true;
            } else {
                d.kind = command.kind();
                d.modelName = command.modelName();
                d.dataset = command.dataset();
                d.baseModel = command.baseModel();
                d.architecture = command.architecture();
                d.hyperParameters = command.hyperParameters();
            }
            return d.build();
        });
        bound();
    }

    /** @param at the broker timestamp of the event's record */
    public void apply(TrainingEvent event, Instant at) {
        if (evicted.contains(event.jobId())) {
            return;
        }
        jobs.compute(event.jobId(), (id, old) -> {
            Draft d = new Draft(old, id, at);
            if (d.kind == null) {
                d.kind = event.kind();
                d.modelName = event.modelName();
            }
            JobStage next = JobStage.of(event.type());
            if (!(d.status.isFinal() && !next.isFinal())) {
                d.status = next;
            }
            switch (event.type()) {
                case EPOCH_COMPLETED -> d.epochs = withEpoch(d.epochs, event.epoch());
                case COMPLETED -> {
                    d.model = event.model();
                    d.test = event.test();
                }
                case FAILED, CANCELLED -> d.reason = event.reason();
                default -> {
                }
            }
            return d.build();
        });
        bound();
    }

    /** Drops the finished jobs updated longest ago while the view holds more than {@code maxJobs}. */
    private synchronized void bound() {
        if (jobs.size() <= maxJobs) {
            return;
        }
        List<JobView> finished = jobs.values().stream().filter(j -> j.status().isFinal())
                .sorted(Comparator.comparing(JobView::updatedAt).thenComparing(JobView::jobId)).toList();
        for (int i = 0; i < finished.size() && jobs.size() > maxJobs; i++) {
            evicted.add(finished.get(i).jobId());
            jobs.remove(finished.get(i).jobId());
        }
    }

    /** Replaces the entry of the same phase and epoch (a resumed job re-reports it), else appends. */
    private static List<EpochMetrics> withEpoch(List<EpochMetrics> epochs, EpochMetrics metrics) {
        List<EpochMetrics> result = new ArrayList<>(epochs);
        for (int i = 0; i < result.size(); i++) {
            EpochMetrics e = result.get(i);
            if (e.epoch() == metrics.epoch() && Objects.equals(e.phase(), metrics.phase())) {
                result.set(i, metrics);
                return List.copyOf(result);
            }
        }
        result.add(metrics);
        return List.copyOf(result);
    }

    /** A view being updated: starts from the current one and widens the time span to include {@code at}. */
    private static final class Draft {
        final String jobId;
        JobKind kind;
        String modelName;
        DatasetRef dataset;
        ModelRef baseModel;
        String architecture;
        HyperParameters hyperParameters;
        JobStage status = JobStage.SUBMITTED;
        boolean cancelRequested;
        Instant submittedAt;
        Instant updatedAt;
        List<EpochMetrics> epochs = List.of();
        ModelRef model;
        EvaluationSummary test;
        String reason;

        Draft(JobView old, String jobId, Instant at) {
            this.jobId = jobId;
            if (old == null) {
                submittedAt = at;
                updatedAt = at;
                return;
            }
            kind = old.kind();
            modelName = old.modelName();
            dataset = old.dataset();
            baseModel = old.baseModel();
            architecture = old.architecture();
            hyperParameters = old.hyperParameters();
            status = old.status();
            cancelRequested = old.cancelRequested();
            submittedAt = at.isBefore(old.submittedAt()) ? at : old.submittedAt();
            updatedAt = at.isAfter(old.updatedAt()) ? at : old.updatedAt();
            epochs = old.epochs();
            model = old.model();
            test = old.test();
            reason = old.reason();
        }

        JobView build() {
            return new JobView(jobId, kind, modelName, dataset, baseModel, architecture, hyperParameters, status,
                    cancelRequested, submittedAt, updatedAt, epochs, model, test, reason);
        }
    }
}
