package io.finetune.trainer;

import io.finetune.contracts.JobState;
import io.finetune.contracts.JobStatus;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.TrainingCommand;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.Optional;

/**
 * {@code jobs/{jobId}/state.json}: the record that makes command handling idempotent. A single PUT replaces it
 * atomically; there is no compare-and-set, so ownership is checked by re-reading before each checkpoint (a stale
 * owner whose lease was taken over stops at its next checkpoint, if its heartbeat has not stopped it already).
 */
@Singleton
public class JobStates {
    private final ObjectStore store;
    private final Clock clock;

    public JobStates(ObjectStore store) {
        this.store = store;
        this.clock = Clock.systemUTC();
    }

    public Optional<JobState> read(String jobId) {
        return store.getJson(ObjectLayout.jobState(jobId), JobState.class);
    }

    public JobState running(TrainingCommand command, int lastCheckpointEpoch, ModelRef model, String owner) {
        return write(new JobState(JobState.SCHEMA_VERSION, command.jobId(), JobStatus.RUNNING, command,
                lastCheckpointEpoch, model, null, owner, clock.instant()));
    }

    public JobState finished(TrainingCommand command, JobStatus status, int lastCheckpointEpoch, ModelRef model,
                             String reason, String owner) {
        return write(new JobState(JobState.SCHEMA_VERSION, command.jobId(), status, command, lastCheckpointEpoch,
                model, reason, owner, clock.instant()));
    }

    private JobState write(JobState state) {
        store.putJson(ObjectLayout.jobState(state.jobId()), state);
        return state;
    }
}
