package io.finetune.trainer;

import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.JobState;
import io.finetune.contracts.JobStatus;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.TrainingEvent;
import io.finetune.contracts.TrainingEventType;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ModelTrainer;
import io.finetune.ml.TrainedModel;
import io.finetune.ml.TrainingCancelledException;
import io.finetune.ml.TrainingListener;
import io.finetune.ml.TrainingSpec;
import io.finetune.service.StorageException;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One job from command to final state, on a worker thread: idempotency by job state, validation before any work,
 * dataset and base model download, checkpoint restore, training with a checkpoint per epoch, publication, events.
 * Storage and broker faults are retried with backoff (training resumes from the last checkpoint); bad input ends
 * the job FAILED at once.
 */
@Singleton
public class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final JobStates states;
    private final DatasetCache datasets;
    private final ModelRepository models;
    private final CheckpointSync checkpoints;
    private final TrainerMessages messages;
    private final TrainerMetrics metrics;
    private final TrainerConfiguration configuration;
    private final String owner;

    public JobRunner(JobStates states, DatasetCache datasets, ModelRepository models, CheckpointSync checkpoints,
                     TrainerMessages messages, TrainerMetrics metrics, TrainerConfiguration configuration) {
        this.states = states;
        this.datasets = datasets;
        this.models = models;
        this.checkpoints = checkpoints;
        this.messages = messages;
        this.metrics = metrics;
        this.configuration = configuration;
        this.owner = configuration.owner();
    }

    /** The checks and resolved inputs of a job that passed validation. */
    private record Plan(TrainingCommand command, TrainingSpec spec, DatasetCache.Resolved dataset, ModelRef base) {
    }

    /** Thrown from the listener when another instance took the job over. */
    static final class OwnershipLostException extends RuntimeException {
        OwnershipLostException(String message) {
            super(message);
        }
    }

    /**
     * @param invalidReason non-null when the command broke a contract rule (then it is reported FAILED unless the
     *                      job already exists)
     */
    public JobOutcome run(TrainingCommand command, String invalidReason, JobRegistry.RunningJob handle) {
        Duration backoff = configuration.faultBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(command, invalidReason, handle);
            } catch (InvalidCommandException e) {
                return failed(command, e.getMessage());
            } catch (OwnershipLostException e) {
                LOG.warn("job {}: {}; letting go", command.jobId(), e.getMessage());
                return JobOutcome.ABANDONED;
            } catch (StorageException | TrainerMessages.MessagingException | IOException | UncheckedIOException e) {
                if (handle.stopReason().isPresent()) {
                    return JobOutcome.ABANDONED;
                }
                if (attempt >= configuration.faultRetries()) {
                    LOG.error("job {} failed {} times on faults; reporting it failed", command.jobId(), attempt, e);
                    return failed(command, "gave up after " + attempt + " attempts on a storage or broker fault: "
                            + e.getMessage());
                }
                LOG.warn("job {} attempt {} hit a fault, retrying in {}: {}", command.jobId(), attempt, backoff,
                        e.toString());
                if (!pause(backoff)) {
                    return JobOutcome.ABANDONED;
                }
                backoff = backoff.multipliedBy(2);
            } catch (RuntimeException e) {
                LOG.error("job {} failed", command.jobId(), e);
                return failed(command, "training failed: " + e);
            }
        }
    }

    private JobOutcome attempt(TrainingCommand received, String invalidReason, JobRegistry.RunningJob handle)
            throws IOException {
        Optional<JobState> state = states.read(received.jobId());
        if (state.isPresent() && state.get().status().isFinal()) {
            LOG.info("job {} is already {}; not running it again", received.jobId(), state.get().status());
            return JobOutcome.FINISHED;
        }
        if (state.isEmpty() && invalidReason != null) {
            throw new InvalidCommandException(invalidReason);
        }
        // A job already started keeps the command that started it; a resend cannot change a running job.
        TrainingCommand command = state.map(JobState::command).orElse(received);
        Plan plan = plan(command);
        if (handle.cancelReason().isPresent()) {
            return cancelled(command, state.map(JobState::lastCheckpointEpoch).orElse(0), handle.cancelReason().get());
        }
        ModelRef model = state.map(JobState::model).orElse(null);
        if (state.isEmpty()) {
            states.running(command, 0, null, owner);
            event(command, TrainingEventType.ACCEPTED, null, null, null, null);
        } else {
            LOG.info("job {} was RUNNING on {}; taking it over", command.jobId(), state.get().owner());
            states.running(command, state.get().lastCheckpointEpoch(), model, owner);
        }
        return train(plan, model, handle);
    }

    private Plan plan(TrainingCommand command) {
        DatasetCache.Resolved dataset = datasets.resolve(command.dataset());
        ModelManifest baseManifest = null;
        ModelRef base = null;
        if (command.kind() == JobKind.FINETUNE) {
            base = models.resolve(command.baseModel());
            baseManifest = models.manifest(base);
        }
        TrainingSpec spec = CommandValidator.spec(command, dataset.classes(), baseManifest);
        return new Plan(command, spec, dataset, base);
    }

    private JobOutcome train(Plan plan, ModelRef recordedModel, JobRegistry.RunningJob handle) throws IOException {
        // the local copies this job reads stay on disk until it ends, whatever the cache budgets
        try (LocalCopies.Pin data = datasets.pin(plan.dataset());
             LocalCopies.Pin base = plan.base() == null ? null : models.pin(plan.base())) {
            return trainPinned(plan, recordedModel, handle);
        }
    }

    private JobOutcome trainPinned(Plan plan, ModelRef recordedModel, JobRegistry.RunningJob handle)
            throws IOException {
        TrainingCommand command = plan.command();
        String jobId = command.jobId();
        Path jobDir = configuration.workPath().resolve("jobs").resolve(jobId);
        ImageDataset data = datasets.materialize(plan.dataset());
        Path baseDir = plan.base() == null ? null : models.download(plan.base()).dir();
        Path local = jobDir.resolve("checkpoints");
        long restoreStart = System.nanoTime();
        int restored = checkpoints.restore(jobId, local);
        if (restored > 0) {
            metrics.checkpointRestore().record(Duration.ofNanos(System.nanoTime() - restoreStart));
        }
        states.running(command, restored, recordedModel, owner);
        event(command, TrainingEventType.STARTED, null, null, null,
                restored > 0 ? "resuming from the checkpoint after epoch " + restored : null);
        LOG.info("job {} started: {} {} on {} {} ({} train, {} validation, {} test images){}", jobId,
                command.kind(), command.modelName(), plan.dataset().ref().name(), plan.dataset().ref().version(),
                data.train().size(), data.validation().size(), data.test().size(),
                restored > 0 ? ", resuming after epoch " + restored : "");
        metrics.jobStarted();
        JobListener listener = new JobListener(command, handle, recordedModel, restored);
        try (TrainedModel trained = new ModelTrainer().train(plan.spec(), data, baseDir, local, listener)) {
            ModelRef model = publish(plan, trained, recordedModel, listener.lastCheckpoint, jobDir);
            EvaluationSummary test = trained.manifest().test();
            states.finished(command, JobStatus.COMPLETED, listener.lastCheckpoint, model, null, owner);
            cleanUp(jobId, jobDir);
            event(command, TrainingEventType.COMPLETED, null, model, test, null);
            metrics.jobFinished(command.kind(), JobStatus.COMPLETED);
            LOG.info("job {} completed: model {} version {}, test {}", jobId, model.name(), model.version(), test);
            return JobOutcome.FINISHED;
        } catch (TrainingCancelledException e) {
            if (handle.cancelReason().isPresent()) {
                return cancelled(command, listener.lastCheckpoint, handle.cancelReason().get());
            }
            LOG.info("job {} stopped on this instance ({}); it stays RUNNING for the next owner", jobId,
                    handle.stopReason().orElse("stopped"));
            return JobOutcome.ABANDONED;
        } catch (IllegalArgumentException e) {
            throw new InvalidCommandException("cannot train job " + jobId + ": " + e.getMessage(), e);
        } finally {
            metrics.jobStopped();
        }
    }

    /**
     * Claims a version (or reuses the one recorded), uploads, moves {@code latest}, writes the serving state when the
     * command asks for it, announces (the replicas read the serving state when the announcement reaches them).
     */
    private ModelRef publish(Plan plan, TrainedModel trained, ModelRef recorded, int lastCheckpoint, Path jobDir)
            throws IOException {
        TrainingCommand command = plan.command();
        ModelRef model = recorded;
        if (model == null) {
            String version = models.claimVersion(command.modelName(), command.jobId());
            model = new ModelRef(command.modelName(), version);
            states.running(command, lastCheckpoint, model, owner);
        }
        Path packageDir = jobDir.resolve("package");
        CheckpointSync.deleteTree(packageDir);
        DatasetRef dataset = plan.dataset().ref();
        trained.writePackage(packageDir, model.name(), model.version(), plan.base(), dataset,
                plan.dataset().fingerprint());
        models.upload(model.name(), model.version(), packageDir);
        models.advanceLatest(model.name(), model.version());
        if (command.serve() != null) {
            models.serve(model, command.serve(), command.jobId());
        }
        ModelManifest manifest = trained.manifest();
        messages.modelPublished(new ModelPublished(ModelPublished.SCHEMA_VERSION, model.name(), model.version(),
                Instant.now(), command.jobId(), manifest.architecture(), manifest.classes().size(),
                manifest.imageSize(), plan.base(), plan.dataset().fingerprint()));
        return model;
    }

    private JobOutcome failed(TrainingCommand command, String reason) {
        try {
            Optional<JobState> state = states.read(command.jobId());
            if (state.isPresent() && state.get().status().isFinal()) {
                return JobOutcome.FINISHED;
            }
            int epoch = state.map(JobState::lastCheckpointEpoch).orElse(0);
            states.finished(command, JobStatus.FAILED, epoch, null, reason, owner);
            event(command, TrainingEventType.FAILED, null, null, null, reason);
            metrics.jobFinished(command.kind(), JobStatus.FAILED);
            LOG.warn("job {} failed: {}", command.jobId(), reason);
            return JobOutcome.FINISHED;
        } catch (RuntimeException e) {
            LOG.error("job {}: cannot record its failure ({}); it will be delivered again", command.jobId(),
                    reason, e);
            return JobOutcome.RETRY_LATER;
        }
    }

    private JobOutcome cancelled(TrainingCommand command, int lastCheckpoint, String reason) {
        states.finished(command, JobStatus.CANCELLED, lastCheckpoint, null, reason, owner);
        cleanUp(command.jobId(), configuration.workPath().resolve("jobs").resolve(command.jobId()));
        event(command, TrainingEventType.CANCELLED, null, null, null, reason);
        metrics.jobFinished(command.kind(), JobStatus.CANCELLED);
        LOG.info("job {} cancelled: {}", command.jobId(), reason);
        return JobOutcome.FINISHED;
    }

    /** Best effort once the state is final: leftovers cost space, never correctness. */
    private void cleanUp(String jobId, Path jobDir) {
        try {
            checkpoints.deleteAll(jobId);
            CheckpointSync.deleteTree(jobDir);
        } catch (IOException | RuntimeException e) {
            LOG.warn("job {}: cannot remove its checkpoints ({}); they are no longer needed", jobId, e.toString());
        }
    }

    private void event(TrainingCommand command, TrainingEventType type, EpochMetrics epoch, ModelRef model,
                       EvaluationSummary test, String reason) {
        messages.event(new TrainingEvent(TrainingEvent.SCHEMA_VERSION, command.jobId(), type, Instant.now(),
                command.kind(), command.modelName(), epoch, model, test, reason));
    }

    private static boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Reports epochs, mirrors checkpoints, and tells the trainer when to stop. */
    private final class JobListener implements TrainingListener {
        private final TrainingCommand command;
        private final JobRegistry.RunningJob handle;
        private final ModelRef recordedModel;
        private int lastCheckpoint;
        private long cacheStart;

        JobListener(TrainingCommand command, JobRegistry.RunningJob handle, ModelRef recordedModel,
                    int restoredEpoch) {
            this.command = command;
            this.handle = handle;
            this.recordedModel = recordedModel;
            this.lastCheckpoint = restoredEpoch;
        }

        @Override
        public void onEpoch(EpochMetrics m) {
            event(command, TrainingEventType.EPOCH_COMPLETED, m, null, null, null);
            metrics.epoch(command.jobId(), command.modelName(), command.kind(), m);
            LOG.info("job {} epoch {}/{} ({}): train loss {} acc {}, validation loss {} acc {}, {} s, {} images/s",
                    command.jobId(), m.epoch(), m.totalEpochs(), m.phase(), fmt(m.trainLoss()),
                    fmt(m.trainAccuracy()), fmt(m.validationLoss()), fmt(m.validationAccuracy()), fmt(m.seconds()),
                    fmt(m.imagesPerSecond()));
        }

        @Override
        public void onCaching(int done, int total) {
            if (cacheStart == 0) {
                cacheStart = System.nanoTime();
                LOG.info("job {}: caching frozen features of {} images (training views and validation)",
                        command.jobId(), total);
            }
            metrics.featureCaching(command.jobId(), command.modelName(), command.kind(), (double) done / total);
            if (done >= total) {
                Duration took = Duration.ofNanos(System.nanoTime() - cacheStart);
                metrics.featureCache().record(took);
                LOG.info("job {}: frozen features of {} images cached in {} s", command.jobId(), total,
                        fmt(took.toMillis() / 1000.0));
                cacheStart = 0;
            }
        }

        @Override
        public void onCheckpoint(int epoch, Path dir) {
            long start = System.nanoTime();
            Optional<JobState> state = states.read(command.jobId());
            if (state.isEmpty() || !owner.equals(state.get().owner()) || state.get().status().isFinal()) {
                throw new OwnershipLostException("job " + command.jobId() + " is now "
                        + state.map(s -> s.status() + " owned by " + s.owner()).orElse("without state"));
            }
            try {
                checkpoints.upload(command.jobId(), epoch, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            states.running(command, epoch, state.get().model() != null ? state.get().model() : recordedModel, owner);
            lastCheckpoint = epoch;
            metrics.checkpointSave().record(Duration.ofNanos(System.nanoTime() - start));
        }

        @Override
        public boolean cancelRequested() {
            return handle.shouldStop();
        }
    }

    private static String fmt(double v) {
        return String.format("%.3f", v);
    }
}
