package io.finetune.trainer;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.JobState;
import io.finetune.contracts.JobStatus;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.TrainingEvent;
import io.finetune.contracts.TrainingEventType;
import io.finetune.service.ExclusiveWrites;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;
import io.finetune.contracts.ServingMode;
import io.finetune.contracts.ServingState;
import io.finetune.storage.StorageUser;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer as its own process against the real Kafka and MinIO, on tiny generated datasets uploaded straight to
 * MinIO. Jobs are made long (many epochs) where a test must act in the middle of one, and the test acts on events,
 * never on time.
 */
@ExtendWith(InfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerServiceIT {
    private static final int SIZE = 16;
    private static final String ARCH = "res-cnn";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);
    /** Long enough that a kill after the second checkpoint lands in the middle of the job. */
    private static final int LONG_EPOCHS = 6;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String shapes3 = "shapes3-" + run;
    private final String shapes4 = "shapes4-" + run;
    private Infra infra;
    private MinioClient minio;
    private KafkaProducer<byte[], byte[]> producer;
    private TopicRecorder events;
    private TopicRecorder published;
    private TopicRecorder deadLetters;
    private Map<String, String> env;
    private int port;
    private ServerProcess trainer;

    @BeforeAll
    void start(Infra infra) throws Exception {
        this.infra = infra;
        minio = infra.minioClient();
        // shapes3 as a version written before shards (one object per image), shapes4 packed in shards.
        SyntheticDatasets.upload(minio, shapes3, List.of("circle", "square", "stripes"), SIZE, 8, 3, 3, 1,
                SyntheticDatasets.Layout.OWN_OBJECTS);
        SyntheticDatasets.upload(minio, shapes4, List.of("circle", "cross", "square", "stripes"), SIZE, 8, 3, 3,
                2, SyntheticDatasets.Layout.SHARDS);
        String group = "trainer-it-" + run;
        startGroupAtEnd(group);
        env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.TRAINER_SERVICE));
        env.put("FINETUNE_TRAINER_GROUP_ID", group);
        // a restarted trainer takes over its predecessor's job once it has seen the lease unrenewed this long
        env.put("FINETUNE_TRAINER_QUEUE_LEASE_TTL", "6s");
        env.put("FINETUNE_TRAINER_QUEUE_HEARTBEAT", "1s");
        // One native thread: on a shared, busy CI machine spinning OpenMP threads only slow the tiny jobs down.
        env.put("OMP_NUM_THREADS", "1");
        env.put("FINETUNE_TRAINER_WORK_DIR", RepositoryLayout.scratch("trainer-work-" + run).toString());
        events = new TopicRecorder(infra.kafkaBootstrap(), Topics.TRAINING_EVENTS);
        published = new TopicRecorder(infra.kafkaBootstrap(), Topics.MODELS_PUBLISHED);
        deadLetters = new TopicRecorder(infra.kafkaBootstrap(), Topics.TRAINING_COMMANDS_DLQ);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
        port = FreePorts.next();
        trainer = startTrainer();
    }

    @AfterAll
    void stop() {
        if (trainer != null) {
            trainer.stop();
        }
        for (AutoCloseable c : new AutoCloseable[]{events, published, deadLetters, producer}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort on the way out
            }
        }
    }

    @Test
    @Order(1)
    void baseThenFinetuneWithLineageAndScratchBeside() throws Exception {
        String base = "base-" + run;
        TrainingCommand baseCommand = command("base-" + run, JobKind.BASE, base, shapes3, null, 3);
        send(baseCommand);
        TrainingEvent completed = awaitFinal(baseCommand.jobId());
        assertEquals(TrainingEventType.COMPLETED, completed.type(), () -> "BASE: " + completed);
        List<TrainingEventType> types = types(baseCommand.jobId());
        assertEquals(List.of(TrainingEventType.ACCEPTED, TrainingEventType.STARTED,
                TrainingEventType.EPOCH_COMPLETED, TrainingEventType.EPOCH_COMPLETED,
                TrainingEventType.EPOCH_COMPLETED, TrainingEventType.COMPLETED), types);
        List<TrainingEvent> epochs = events(baseCommand.jobId(), TrainingEventType.EPOCH_COMPLETED);
        assertEquals(List.of(1, 2, 3), epochs.stream().map(e -> e.epoch().epoch()).toList());
        assertTrue(epochs.get(2).epoch().imagesPerSecond() > 0 && epochs.get(2).epoch().seconds() > 0);
        assertEquals(new ModelRef(base, "1"), completed.model());
        assertNotNull(completed.test(), "COMPLETED carries test metrics");
        assertEquals(9, completed.test().examples());
        ModelManifest baseManifest = manifest(base, "1");
        assertEquals(List.of("circle", "square", "stripes"), baseManifest.classes());
        assertEquals(new DatasetRef(shapes3, "1"), baseManifest.dataset());
        assertEquals("1", pointer(base).version());
        ModelPublished basePublished = awaitPublished(base, "1");
        assertEquals(3, basePublished.numClasses());
        assertEquals(baseCommand.jobId(), basePublished.jobId());

        String tuned = "tuned-" + run;
        TrainingCommand finetune = command("finetune-" + run, JobKind.FINETUNE, tuned, shapes4,
                new ModelRef(base, "latest"), 2);
        String scratch = "scratch-" + run;
        TrainingCommand scratchCommand = command("scratch-" + run, JobKind.SCRATCH, scratch, shapes4, null, 2);
        send(finetune);
        send(scratchCommand);
        TrainingEvent tunedDone = awaitFinal(finetune.jobId());
        assertEquals(TrainingEventType.COMPLETED, tunedDone.type(), () -> "FINETUNE: " + tunedDone);
        ModelManifest tunedManifest = manifest(tuned, "1");
        assertEquals(new ModelRef(base, "1"), tunedManifest.parent(), "lineage to the base model");
        assertEquals(4, tunedManifest.classes().size());
        assertEquals(JobKind.FINETUNE, tunedManifest.kind());
        assertTrue(!tunedManifest.frozenLayers().isEmpty(), "FINETUNE freezes base layers");
        assertEquals(new ModelRef(base, "1"), awaitPublished(tuned, "1").parent());
        assertEquals(List.of("head", "head"), events(finetune.jobId(), TrainingEventType.EPOCH_COMPLETED).stream()
                .map(e -> e.epoch().phase()).toList());

        TrainingEvent scratchDone = awaitFinal(scratchCommand.jobId());
        assertEquals(TrainingEventType.COMPLETED, scratchDone.type(), () -> "SCRATCH: " + scratchDone);
        ModelManifest scratchManifest = manifest(scratch, "1");
        assertNull(scratchManifest.parent());
        assertEquals(4, scratchManifest.classes().size());
        assertEquals(JobKind.SCRATCH, scratchManifest.kind());

        String metrics = http("/prometheus");
        assertMetric(metrics, "finetune_trainer_jobs_total{kind=\"finetune\",state=\"completed\"} 1");
        assertMetric(metrics, "finetune_trainer_epoch_seconds_count{kind=\"base\"} 3");
        assertMetric(metrics, "finetune_trainer_validation_accuracy{job=\"" + finetune.jobId() + "\",kind=\"finetune\","
                + "model=\"" + tuned + "\"}");
        assertMetric(metrics, "finetune_trainer_images_per_second{job=\"" + scratchCommand.jobId() + "\"");
        assertMetric(metrics, "finetune_trainer_checkpoint_save_seconds_count 7");
        assertMetric(metrics, "finetune_trainer_jobs_running 0");
        assertMetric(metrics, "finetune_trainer_job_wait_seconds_count 3");
        assertMetric(metrics, "finetune_trainer_takeovers_total 0");
        assertMetric(metrics, "finetune_trainer_queue_pending 0");
        assertMetric(metrics, "finetune_trainer_queue_oldest_pending_seconds 0");
        assertMetric(metrics, "kafka_consumer_records_lag");
    }

    static void assertMetric(String metrics, String prefix) {
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith(prefix)), () -> "expected a line starting with "
                + prefix + ", found: " + metrics.lines().filter(l -> l.startsWith(prefix.substring(0,
                Math.min(prefix.length(), 24)))).limit(12).toList());
    }

    @Test
    @Order(2)
    void malformedGoesToDeadLetterInvalidFailsAndTheNextValidCommandRuns() throws Exception {
        byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
        RecordMetadata at = send("garbage-" + run, garbage);
        ConsumerRecord<byte[], byte[]> dead = await().atMost(Duration.ofMinutes(1)).until(
                () -> deadLetters.records().stream().filter(r -> r.key() != null
                        && new String(r.key(), StandardCharsets.UTF_8).equals("garbage-" + run)).findFirst(),
                Optional::isPresent).orElseThrow();
        assertArrayEquals(garbage, dead.value());
        assertTrue(header(dead, Topics.HEADER_ERROR).contains("expected valid JSON"), header(dead,
                Topics.HEADER_ERROR));
        assertEquals(Topics.TRAINING_COMMANDS, header(dead, Topics.HEADER_SOURCE_TOPIC));
        assertEquals(Long.toString(at.offset()), header(dead, Topics.HEADER_SOURCE_OFFSET));

        TrainingCommand unknownDataset = command("nodata-" + run, JobKind.BASE, "m-" + run, "missing-" + run,
                null, 2);
        send(unknownDataset);
        TrainingEvent failed = awaitFinal(unknownDataset.jobId());
        assertEquals(TrainingEventType.FAILED, failed.type());
        assertTrue(failed.reason().contains("missing-" + run), failed.reason());

        TrainingCommand zeroEpochs = command("zero-" + run, JobKind.BASE, "m-" + run, shapes3, null, 0);
        send(zeroEpochs);
        TrainingEvent zeroFailed = awaitFinal(zeroEpochs.jobId());
        assertEquals(TrainingEventType.FAILED, zeroFailed.type());
        assertTrue(zeroFailed.reason().contains("hyperParameters.epochs"), zeroFailed.reason());

        TrainingCommand badArch = withArchitecture(command("arch-" + run, JobKind.BASE, "m-" + run, shapes3, null, 2),
                "no-such-net");
        send(badArch);
        TrainingEvent archFailed = awaitFinal(badArch.jobId());
        assertEquals(TrainingEventType.FAILED, archFailed.type());
        assertTrue(archFailed.reason().contains("no-such-net"), archFailed.reason());

        TrainingCommand noBase = command("nobase-" + run, JobKind.FINETUNE, "m-" + run, shapes4,
                new ModelRef("absent-" + run, "latest"), 2);
        send(noBase);
        TrainingEvent noBaseFailed = awaitFinal(noBase.jobId());
        assertEquals(TrainingEventType.FAILED, noBaseFailed.type());
        assertTrue(noBaseFailed.reason().contains("absent-" + run), noBaseFailed.reason());
        assertEquals(JobStatus.FAILED, state(noBase.jobId()).orElseThrow().status());

        TrainingCommand valid = command("valid-" + run, JobKind.BASE, "valid-" + run, shapes3, null, 1);
        send(valid);
        assertEquals(TrainingEventType.COMPLETED, awaitFinal(valid.jobId()).type());
        assertEquals(List.of(1), versions("valid-" + run));
        assertEquals(List.of(), versions("m-" + run), "failed jobs publish nothing");
    }

    @Test
    @Order(3)
    void theSameCommandSentTwiceTrainsOnceAndPublishesOneModel() throws Exception {
        String model = "twice-" + run;
        TrainingCommand plain = command("twice-" + run, JobKind.BASE, model, shapes3, null, LONG_EPOCHS);
        TrainingCommand c = new TrainingCommand(plain.schemaVersion(), plain.jobId(), plain.kind(), plain.modelName(),
                plain.dataset(), plain.baseModel(), plain.architecture(), plain.hyperParameters(), plain.seed(),
                ServingMode.PINNED);
        send(c);
        RecordMetadata second = send(c);
        assertEquals(TrainingEventType.COMPLETED, awaitFinal(c.jobId()).type());
        awaitCommitted(second);
        assertEquals(1, events(c.jobId(), TrainingEventType.ACCEPTED).size(), () -> types(c.jobId()).toString());
        assertEquals(1, events(c.jobId(), TrainingEventType.STARTED).size(), () -> types(c.jobId()).toString());
        assertEquals(1, events(c.jobId(), TrainingEventType.COMPLETED).size());
        assertEquals(List.of(1), versions(model));
        ServingState serving;
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .object(ObjectLayout.servingState(model)).build())) {
            serving = ContractCodec.decode(in.readAllBytes(), ServingState.class);
        }
        assertTrue(serving.serve(), "the command asked for its model to be served: " + serving);
        assertEquals("1", serving.version(), "PINNED: exactly the version this job published");
        assertEquals("job:" + c.jobId(), serving.source());
    }

    /**
     * Killed after its second checkpoint, resumed by a new process: the same result as the uninterrupted run of the
     * same spec in {@link #theSameCommandSentTwiceTrainsOnceAndPublishesOneModel}, and exactly one version.
     */
    @Test
    @Order(4)
    void aKilledTrainerResumesFromItsLastCheckpointAndPublishesOnce() throws Exception {
        String model = "killed-" + run;
        TrainingCommand c = command("killed-" + run, JobKind.BASE, model, shapes3, null, LONG_EPOCHS);
        send(c);
        await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(
                () -> state(c.jobId()).map(JobState::lastCheckpointEpoch).orElse(0) >= 2);
        trainer.kill();
        JobState atKill = state(c.jobId()).orElseThrow();
        assertEquals(JobStatus.RUNNING, atKill.status(), "the trainer was killed in the middle of the job");
        assertTrue(atKill.lastCheckpointEpoch() < LONG_EPOCHS, () -> "killed before the end: " + atKill);
        int eventsBeforeRestart = events(c.jobId()).size();

        trainer = startTrainer();
        TrainingEvent done = awaitFinal(c.jobId());
        assertEquals(TrainingEventType.COMPLETED, done.type(), () -> "resumed job: " + done);
        List<TrainingEvent> afterRestart = events(c.jobId()).subList(eventsBeforeRestart, events(c.jobId()).size());
        TrainingEvent restarted = afterRestart.stream().filter(e -> e.type() == TrainingEventType.STARTED)
                .findFirst().orElseThrow(() -> new AssertionError("expected STARTED after the restart, found "
                        + afterRestart));
        assertNotNull(restarted.reason(), "STARTED after a restart says where it resumes");
        assertTrue(restarted.reason().contains("after epoch"), restarted.reason());
        int firstEpochAfterRestart = afterRestart.stream().filter(e -> e.type() == TrainingEventType.EPOCH_COMPLETED)
                .mapToInt(e -> e.epoch().epoch()).min().orElse(LONG_EPOCHS + 1);
        assertTrue(firstEpochAfterRestart > 2, () -> "expected the resumed run to continue after the checkpoint of "
                + "epoch " + atKill.lastCheckpointEpoch() + ", found it at epoch " + firstEpochAfterRestart);
        assertEquals(0, afterRestart.stream().filter(e -> e.type() == TrainingEventType.ACCEPTED).count());

        assertEquals(List.of(1), versions(model), "exactly one version published");
        assertEquals(new ModelRef(model, "1"), done.model());

        ModelManifest resumed = manifest(model, "1");
        ModelManifest uninterrupted = manifest("twice-" + run, "1");
        assertEquals(LONG_EPOCHS, resumed.history().size());
        for (int i = 0; i < LONG_EPOCHS; i++) {
            assertEquals(uninterrupted.history().get(i).trainLoss(), resumed.history().get(i).trainLoss(), 1e-6,
                    "train loss of epoch " + (i + 1));
            assertEquals(uninterrupted.history().get(i).validationAccuracy(),
                    resumed.history().get(i).validationAccuracy(), 1e-9, "validation accuracy of epoch " + (i + 1));
        }
        assertEquals(uninterrupted.test().loss(), resumed.test().loss(), 1e-6, "test loss");
        assertEquals(uninterrupted.test().accuracy(), resumed.test().accuracy(), 1e-9, "test accuracy");
        assertTrue(checkpointKeys(c.jobId()).isEmpty(), "checkpoints are removed once the job is final");
    }

    @Test
    @Order(5)
    void cancelStopsARunningJob() throws Exception {
        String model = "cancelled-" + run;
        TrainingCommand c = command("cancel-" + run, JobKind.SCRATCH, model, shapes4, null, 1000);
        send(c);
        awaitEvent(c.jobId(), e -> e.type() == TrainingEventType.EPOCH_COMPLETED);
        cancel(c.jobId());
        TrainingEvent end = awaitFinal(c.jobId());
        assertEquals(TrainingEventType.CANCELLED, end.type(), () -> "after CANCEL: " + end);
        assertTrue(end.reason().contains("CANCEL"), end.reason());
        assertTrue(events(c.jobId(), TrainingEventType.EPOCH_COMPLETED).size() < 1000);
        assertEquals(JobStatus.CANCELLED, state(c.jobId()).orElseThrow().status());
        assertEquals(List.of(), versions(model), "a cancelled job publishes nothing");

        // A CANCEL for a finished or unknown job is harmless: the next command still runs.
        cancel("unknown-" + run);
        cancel(c.jobId());
        TrainingCommand after = command("after-cancel-" + run, JobKind.BASE, "after-cancel-" + run, shapes3, null, 1);
        send(after);
        assertEquals(TrainingEventType.COMPLETED, awaitFinal(after.jobId()).type());
        assertEquals(JobStatus.CANCELLED, state(c.jobId()).orElseThrow().status());
    }

    /**
     * A backbone fine-tune: the head on cached views, then the top layers unfrozen on cached block inputs. Killed
     * (SIGKILL) after a checkpoint in the head phase, and in another run in the unfreeze phase, each resumes and
     * ends with the uninterrupted run's history and test result, publishing exactly one version.
     */
    @Test
    @Order(6)
    void aBackboneFineTuneResumesAfterAKillInEitherPhaseToTheUninterruptedModel() throws Exception {
        ModelRef backbone = publishBackbone();
        TrainingCommand straight = backboneCommand("bb-straight-" + run, backbone, BACKBONE_UNFREEZE_EPOCHS);
        send(straight);
        TrainingEvent done = awaitFinal(straight.jobId());
        assertEquals(TrainingEventType.COMPLETED, done.type(), () -> "uninterrupted backbone job: " + done);
        List<String> phases = events(straight.jobId(), TrainingEventType.EPOCH_COMPLETED).stream()
                .map(e -> e.epoch().phase()).toList();
        assertEquals(java.util.Collections.nCopies(BACKBONE_HEAD_EPOCHS, "head"),
                phases.subList(0, BACKBONE_HEAD_EPOCHS));
        assertEquals(java.util.Collections.nCopies(BACKBONE_UNFREEZE_EPOCHS, "unfreeze"),
                phases.subList(BACKBONE_HEAD_EPOCHS, phases.size()));
        ModelManifest uninterrupted = manifest(straight.modelName(), "1");
        assertEquals(backbone, uninterrupted.parent());
        assertNotNull(uninterrupted.provenance().pretrained(), "the backbone's provenance is carried");
        int total = BACKBONE_HEAD_EPOCHS + BACKBONE_UNFREEZE_EPOCHS;
        for (int killAfter : new int[]{2, BACKBONE_HEAD_EPOCHS + 1}) {
            String phase = killAfter <= BACKBONE_HEAD_EPOCHS ? "head" : "unfreeze";
            TrainingCommand c = backboneCommand("bb-killed-" + killAfter + "-" + run, backbone,
                    BACKBONE_UNFREEZE_EPOCHS);
            send(c);
            await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(
                    () -> state(c.jobId()).map(JobState::lastCheckpointEpoch).orElse(0) >= killAfter);
            trainer.kill();
            JobState atKill = state(c.jobId()).orElseThrow();
            assertEquals(JobStatus.RUNNING, atKill.status());
            int limit = phase.equals("head") ? BACKBONE_HEAD_EPOCHS : total;
            assertTrue(atKill.lastCheckpointEpoch() < limit, () -> "killed in the " + phase + " phase: " + atKill);
            trainer = startTrainer();
            TrainingEvent end = awaitFinal(c.jobId());
            assertEquals(TrainingEventType.COMPLETED, end.type(), () -> "resumed in the " + phase + " phase: " + end);
            assertEquals(List.of(1), versions(c.modelName()), "exactly one version");
            ModelManifest resumed = manifest(c.modelName(), "1");
            assertEquals(total, resumed.history().size());
            for (int i = 0; i < total; i++) {
                assertEquals(uninterrupted.history().get(i).phase(), resumed.history().get(i).phase());
                assertEquals(uninterrupted.history().get(i).trainLoss(), resumed.history().get(i).trainLoss(), 1e-6,
                        phase + " kill: train loss of epoch " + (i + 1));
                assertEquals(uninterrupted.history().get(i).validationAccuracy(),
                        resumed.history().get(i).validationAccuracy(), 1e-9, phase + " kill: epoch " + (i + 1));
            }
            assertEquals(uninterrupted.test().loss(), resumed.test().loss(), 1e-6, phase + " kill: test loss");
        }
    }

    @Test
    @Order(7)
    void aBackboneFineTuneIsCancelledInItsUnfreezePhase() throws Exception {
        ModelRef backbone = publishBackbone();
        TrainingCommand c = backboneCommand("bb-cancel-" + run, backbone, 1000);
        send(c);
        awaitEvent(c.jobId(), e -> e.type() == TrainingEventType.EPOCH_COMPLETED
                && "unfreeze".equals(e.epoch().phase()));
        cancel(c.jobId());
        TrainingEvent end = awaitFinal(c.jobId());
        assertEquals(TrainingEventType.CANCELLED, end.type(), () -> "after CANCEL: " + end);
        assertEquals(List.of(), versions(c.modelName()), "a cancelled job publishes nothing");
        String metrics = http("/prometheus");
        assertTrue(metrics.contains("finetune_trainer_feature_cache_seconds_count"), "feature-cache time exported");
        assertTrue(metrics.contains("finetune_trainer_phase{"), "phase exported");
    }

    private static final int BACKBONE_HEAD_EPOCHS = 4;
    private static final int BACKBONE_UNFREEZE_EPOCHS = 3;
    private ModelRef backboneRef;

    /** The ImageNet EfficientNet-Lite0 of ../shared/weights in this test's storage, published once. */
    private ModelRef publishBackbone() throws Exception {
        if (backboneRef != null) {
            return backboneRef;
        }
        java.nio.file.Path shared = io.finetune.ml.SharedWeights.backbone("efficientnet-lite0").orElse(null);
        io.finetune.testkit.RequiredInputs.require(shared != null, io.finetune.ml.SharedWeights.absentMessage());
        io.finetune.service.StorageConfiguration storage = new io.finetune.service.StorageConfiguration(
                infra.minioEndpoint(), infra.accessKey(), infra.secretKey(), ObjectLayout.DEFAULT_BUCKET);
        io.finetune.service.ObjectStore store = new io.finetune.service.ObjectStore(minio, storage);
        ExclusiveWrites exclusive = new ExclusiveWrites(minio, storage);
        java.nio.file.Path work = RepositoryLayout.scratch("backbone-publish-" + run);
        ModelRepository models = new ModelRepository(store, exclusive, new TrainerConfiguration("g", "earliest", 1,
                Duration.ofSeconds(10), Duration.ofMillis(200), work.toString(), null, 3, Duration.ofSeconds(1), 2));
        String name = "imagenet-lite0-" + run;
        io.finetune.trainer.backbones.BackbonePublisher.Result r = new io.finetune.trainer.backbones
                .BackbonePublisher(store, exclusive, models, p -> { }, work).publish(shared, name);
        assertEquals(io.finetune.trainer.backbones.BackbonePublisher.Outcome.PUBLISHED, r.outcome(), r.message());
        backboneRef = new ModelRef(name, "1");
        return backboneRef;
    }

    /** The backbone recipe at test scale: 2 cached views, the head then the top 2 layers (top conv, block15). */
    private TrainingCommand backboneCommand(String jobId, ModelRef backbone, int unfreezeEpochs) {
        return new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.FINETUNE, jobId,
                new DatasetRef(shapes3, "latest"), backbone, "efficientnet-lite0",
                new HyperParameters(BACKBONE_HEAD_EPOCHS, 8, 3e-3, 224, null, null,
                        new io.finetune.contracts.UnfreezePhase(unfreezeEpochs, 2, 3e-4), null, null, 2, null, null,
                        null, null), 42L);
    }

    private TrainingCommand command(String jobId, JobKind kind, String model, String dataset, ModelRef base,
                                    int epochs) {
        return new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, kind, model,
                new DatasetRef(dataset, "latest"), base, ARCH,
                new HyperParameters(epochs, 8, 0.01, SIZE, Augmentation.NONE, null, null, null, null), 42L);
    }

    static TrainingCommand withArchitecture(TrainingCommand c, String architecture) {
        return new TrainingCommand(c.schemaVersion(), c.jobId(), c.kind(), c.modelName(), c.dataset(), c.baseModel(),
                architecture, c.hyperParameters(), c.seed());
    }

    ServerProcess startTrainer() {
        return ServiceProcesses.start("trainer-" + run, TrainerApplication.class.getName(), port, env,
                RepositoryLayout.scratch("trainer-service"));
    }

    RecordMetadata cancel(String jobId) throws Exception {
        return send(new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.CANCEL, null, null, null, null,
                null, null));
    }

    RecordMetadata send(TrainingCommand command) throws Exception {
        return send(command.jobId(), ContractCodec.encode(command));
    }

    RecordMetadata send(String key, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(Topics.TRAINING_COMMANDS, key.getBytes(StandardCharsets.UTF_8),
                value)).get();
    }

    List<TrainingEvent> events(String jobId) {
        List<TrainingEvent> list = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : events.records()) {
            if (r.key() != null && jobId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                list.add(ContractCodec.decode(r.value(), TrainingEvent.class));
            }
        }
        return list;
    }

    List<TrainingEvent> events(String jobId, TrainingEventType type) {
        return events(jobId).stream().filter(e -> e.type() == type).toList();
    }

    List<TrainingEventType> types(String jobId) {
        return events(jobId).stream().map(TrainingEvent::type).toList();
    }

    TrainingEvent awaitFinal(String jobId) {
        return await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> events(jobId).stream().filter(e -> e.type().isFinal()).findFirst(),
                        Optional::isPresent).orElseThrow();
    }

    TrainingEvent awaitEvent(String jobId, java.util.function.Predicate<TrainingEvent> p) {
        return await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> events(jobId).stream().filter(p).findFirst(), Optional::isPresent).orElseThrow();
    }

    ModelPublished awaitPublished(String model, String version) {
        return await().atMost(Duration.ofMinutes(1)).until(() -> published.records().stream()
                .map(r -> ContractCodec.decode(r.value(), ModelPublished.class))
                .filter(m -> m.modelName().equals(model) && m.version().equals(version)).findFirst(),
                Optional::isPresent).orElseThrow();
    }

    void awaitCommitted(RecordMetadata record) throws Exception {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()))) {
            await().atMost(JOB_TIMEOUT).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(env.get("FINETUNE_TRAINER_GROUP_ID"))
                        .partitionsToOffsetAndMetadata().get().get(tp);
                return committed != null && committed.offset() > record.offset();
            });
        }
    }

    /** Commits the current end of the commands topic for a new group, so it reads only what this test sends. */
    void startGroupAtEnd(String group) throws Exception {
        startGroupAtEnd(infra.kafkaBootstrap(), group);
    }

    static void startGroupAtEnd(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(Topics.TRAINING_COMMANDS)).allTopicNames().get()
                    .get(Topics.TRAINING_COMMANDS).partitions()
                    .forEach(p -> latest.put(new TopicPartition(Topics.TRAINING_COMMANDS, p.partition()),
                            OffsetSpec.latest()));
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listOffsets(latest).all().get().entrySet()
                    .stream().collect(Collectors.toMap(Map.Entry::getKey,
                            e -> new OffsetAndMetadata(e.getValue().offset())));
            admin.alterConsumerGroupOffsets(group, offsets).all().get();
        }
    }

    Optional<byte[]> object(String key) throws Exception {
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(key)
                .build())) {
            return Optional.of(in.readAllBytes());
        } catch (io.minio.errors.ErrorResponseException e) {
            return Optional.empty();
        }
    }

    ModelManifest manifest(String model, String version) throws Exception {
        return ContractCodec.decode(object(ObjectLayout.modelManifest(model, version)).orElseThrow(),
                ModelManifest.class);
    }

    ModelPointer pointer(String model) throws Exception {
        return ContractCodec.decode(object(ObjectLayout.modelLatest(model)).orElseThrow(), ModelPointer.class);
    }

    Optional<JobState> state(String jobId) throws Exception {
        return object(ObjectLayout.jobState(jobId)).map(b -> ContractCodec.decode(b, JobState.class));
    }

    /** Versions of a model that have a manifest.json. */
    List<Integer> versions(String model) throws Exception {
        List<Integer> versions = new ArrayList<>();
        for (Result<Item> r : minio.listObjects(ListObjectsArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .prefix(ObjectLayout.modelPrefix(model)).recursive(true).build())) {
            String key = r.get().objectName();
            if (key.endsWith("/" + ObjectLayout.MODEL_MANIFEST)) {
                versions.add(Integer.parseInt(key.substring(ObjectLayout.modelPrefix(model).length(),
                        key.length() - ObjectLayout.MODEL_MANIFEST.length() - 1)));
            }
        }
        versions.sort(null);
        return versions;
    }

    List<String> checkpointKeys(String jobId) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> r : minio.listObjects(ListObjectsArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .prefix(ObjectLayout.jobCheckpointsPrefix(jobId)).recursive(true).build())) {
            keys.add(r.get().objectName());
        }
        return keys;
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    String http(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }
}
