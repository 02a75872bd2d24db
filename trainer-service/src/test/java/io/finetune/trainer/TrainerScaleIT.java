package io.finetune.trainer;

import io.finetune.storage.StorageUser;
import io.finetune.contracts.Augmentation;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.JobState;
import io.finetune.contracts.JobStatus;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.TrainingEvent;
import io.finetune.contracts.TrainingEventType;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three trainer processes sharing one work queue, against the real Kafka and MinIO, on tiny generated images: a
 * killed trainer's job is taken over by a live one from its last checkpoint; nine jobs of different lengths keep all
 * three busy (no job waits while a trainer idles); a trainer killed during such a run leaves every job completed
 * once; a CANCEL reaches the trainer running its job. The measured makespan and waits are printed and written to {@code target/scale-report.txt}
 * (docs/scaling-trainers.md quotes them). Tagged: {@code -Dgroups=scale} or {@code -Dit.test=TrainerScaleIT}.
 */
@Tag("scale")
@ExtendWith(InfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerScaleIT {
    private static final int TRAINERS = 3;
    private static final int SIZE = 16;
    private static final Duration LEASE_TTL = Duration.ofSeconds(6);
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(15);
    /** Jobs queued while every trainer is busy are claimed within a scan or two (claim interval 500 ms). */
    private static final Duration IDLE_WHILE_PENDING_LIMIT = Duration.ofSeconds(5);
    private static final int[] EPOCHS = {9, 3, 6, 2, 8, 4, 7, 5, 3};

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String dataset = "scale-" + run;
    private final List<ServerProcess> trainers = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final StringBuilder report = new StringBuilder();
    private Infra infra;
    private MinioClient minio;
    private KafkaProducer<byte[], byte[]> producer;
    private TopicRecorder events;
    private Map<String, String> env;

    @BeforeAll
    void start(Infra infra) throws Exception {
        this.infra = infra;
        minio = infra.minioClient();
        SyntheticDatasets.upload(minio, dataset, List.of("circle", "square", "stripes"), SIZE, 24, 4, 4, 3,
                SyntheticDatasets.Layout.SHARDS);
        env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.TRAINER_SERVICE));
        String group = "trainer-scale-" + run;
        TrainerServiceIT.startGroupAtEnd(infra.kafkaBootstrap(), group);
        env.put("FINETUNE_TRAINER_GROUP_ID", group);
        env.put("FINETUNE_TRAINER_QUEUE_LEASE_TTL", LEASE_TTL.toMillis() + "ms");
        env.put("FINETUNE_TRAINER_QUEUE_HEARTBEAT", "1s");
        env.put("OMP_NUM_THREADS", "1");
        events = new TopicRecorder(infra.kafkaBootstrap(), Topics.TRAINING_EVENTS);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
        for (int i = 0; i < TRAINERS; i++) {
            ports.add(FreePorts.next());
            trainers.add(null);
            startTrainer(i);
        }
    }

    @AfterAll
    void stop() throws Exception {
        trainers.stream().filter(t -> t != null).forEach(ServerProcess::stop);
        for (AutoCloseable c : new AutoCloseable[]{events, producer}) {
            if (c != null) {
                c.close();
            }
        }
        Files.writeString(Path.of("target", "scale-report.txt"), report.toString());
        System.out.println(report);
    }

    /**
     * A trainer SIGKILLed after its job's second checkpoint: a live trainer takes the job over once the lease
     * expires, resumes after that checkpoint, and ends with the uninterrupted twin's result and one version.
     */
    @Test
    @Order(1)
    void aKilledTrainersJobIsTakenOverByALiveTrainerFromItsLastCheckpoint() throws Exception {
        int epochs = 8;
        TrainingCommand killed = command("failover-" + run, epochs);
        TrainingCommand twin = command("twin-" + run, epochs);
        send(killed);
        send(twin);
        await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(
                () -> state(killed.jobId()).map(JobState::lastCheckpointEpoch).orElse(0) >= 2);
        JobState atKill = state(killed.jobId()).orElseThrow();
        int victim = trainerOf(atKill.owner());
        trainers.get(victim).kill();
        Instant killedAt = Instant.now();
        int eventsBefore = events(killed.jobId()).size();

        TrainingEvent done = awaitFinal(killed.jobId());
        assertEquals(TrainingEventType.COMPLETED, done.type(), () -> "taken over: " + done);
        List<TrainingEvent> after = events(killed.jobId()).subList(eventsBefore, events(killed.jobId()).size());
        TrainingEvent resumed = after.stream().filter(e -> e.type() == TrainingEventType.STARTED).findFirst()
                .orElseThrow(() -> new AssertionError("expected STARTED after the kill, found " + after));
        assertTrue(resumed.reason() != null && resumed.reason().contains("after epoch"), () -> "" + resumed);
        int firstEpochAfter = after.stream().filter(e -> e.type() == TrainingEventType.EPOCH_COMPLETED)
                .mapToInt(e -> e.epoch().epoch()).min().orElse(epochs + 1);
        assertTrue(firstEpochAfter > 2, () -> "expected the takeover to continue after the checkpoint of epoch "
                + atKill.lastCheckpointEpoch() + ", found it at epoch " + firstEpochAfter);
        assertNotEquals(atKill.owner(), state(killed.jobId()).orElseThrow().owner(), "a live trainer finished it");
        Duration takeover = Duration.between(killedAt, resumed.timestamp());
        assertTrue(takeover.compareTo(LEASE_TTL.plusSeconds(30)) < 0, () -> "takeover took " + takeover);

        assertEquals(TrainingEventType.COMPLETED, awaitFinal(twin.jobId()).type());
        assertEquals(List.of(1), versions(killed.modelName()), "exactly one version published");
        ModelManifest resumedModel = manifest(killed.modelName());
        ModelManifest uninterrupted = manifest(twin.modelName());
        for (int i = 0; i < epochs; i++) {
            assertEquals(uninterrupted.history().get(i).trainLoss(), resumedModel.history().get(i).trainLoss(), 1e-6,
                    "train loss of epoch " + (i + 1));
        }
        assertEquals(uninterrupted.test().loss(), resumedModel.test().loss(), 1e-6, "test loss");
        report.append(String.format("failover: killed after checkpoint %d, STARTED on a live trainer %.1f s after "
                + "the kill (lease ttl %d s)%n", atKill.lastCheckpointEpoch(), takeover.toMillis() / 1000.0,
                LEASE_TTL.toSeconds()));
        startTrainer(victim);
    }

    /** Nine jobs at once on three trainers: none waits while a trainer is idle; the makespan is measured. */
    @Test
    @Order(2)
    void nineJobsOfDifferentLengthsKeepThreeTrainersBusy() throws Exception {
        List<TrainingCommand> jobs = nineJobs("even");
        Map<String, Instant> submitted = submitAll(jobs);
        jobs.forEach(j -> assertEquals(TrainingEventType.COMPLETED, awaitFinal(j.jobId()).type()));
        QueueSchedule schedule = schedule(submitted, null, null);
        for (TrainingCommand j : jobs) {
            assertEquals(List.of(1), versions(j.modelName()), "one version of " + j.modelName());
        }
        report.append(String.format("nine jobs, three trainers: makespan %.1f s, total work %.1f s, ideal %.1f s, "
                        + "makespan/ideal %.2f, worst idle-while-pending %.1f s, keyed-partition estimate %.1f s%n",
                seconds(schedule.makespan()), seconds(schedule.totalWork()), seconds(schedule.ideal()),
                schedule.makespanOverIdeal(), seconds(schedule.worstIdleWhilePending()),
                seconds(keyedPartitionMakespan(schedule))));
        report.append("  per job (epochs, claim wait s, work s): ").append(perJob(jobs, schedule)).append('\n');
        assertTrue(schedule.worstIdleWhilePending().compareTo(IDLE_WHILE_PENDING_LIMIT) < 0,
                () -> "a job waited " + schedule.worstIdleWhilePending() + " while a trainer was idle");
    }

    /** One trainer SIGKILLed in the middle of a nine-job run: every job still completes, each with one version. */
    @Test
    @Order(3)
    void aTrainerKilledDuringANineJobRunLeavesEveryJobCompletedOnce() throws Exception {
        List<TrainingCommand> jobs = nineJobs("kill");
        Map<String, Instant> submitted = submitAll(jobs);
        String victimJob = await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            for (TrainingCommand j : jobs) {
                Optional<JobState> s = state(j.jobId());
                if (s.isPresent() && s.get().status() == JobStatus.RUNNING && s.get().lastCheckpointEpoch() >= 1
                        && j.hyperParameters().epochs() - s.get().lastCheckpointEpoch() >= 3) {
                    return Optional.of(j.jobId());
                }
            }
            return Optional.<String>empty();
        }, Optional::isPresent).orElseThrow();
        int victim = trainerOf(state(victimJob).orElseThrow().owner());
        trainers.get(victim).kill();
        Instant killedAt = Instant.now();

        for (TrainingCommand j : jobs) {
            assertEquals(TrainingEventType.COMPLETED, awaitFinal(j.jobId()).type(), j.jobId());
            assertEquals(List.of(1), versions(j.modelName()), "one version of " + j.modelName());
            assertEquals(JobStatus.COMPLETED, state(j.jobId()).orElseThrow().status());
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> queueEntries().stream().noneMatch(k -> k.endsWith("-" + j.jobId())));
        }
        QueueSchedule schedule = schedule(submitted, victimJob, killedAt);
        report.append(String.format("nine jobs, one of three trainers killed at %.1f s: makespan %.1f s, total "
                        + "work %.1f s, ideal %.1f s, makespan/ideal %.2f, worst idle-while-pending %.1f s%n",
                seconds(Duration.between(submitted.values().stream().min(Instant::compareTo).orElseThrow(),
                        killedAt)), seconds(schedule.makespan()), seconds(schedule.totalWork()),
                seconds(schedule.ideal()), schedule.makespanOverIdeal(), seconds(schedule.worstIdleWhilePending())));
        startTrainer(victim);
    }

    /**
     * Three long jobs, one per trainer, each cancelled: every CANCEL reaches the trainer running its job, whichever
     * trainer's partition it arrived on, within a heartbeat (1 s here) and a batch.
     */
    @Test
    @Order(4)
    void aCancelReachesTheTrainerRunningTheJobWhicheverTrainerReadsIt() throws Exception {
        List<TrainingCommand> jobs = new ArrayList<>();
        for (int i = 0; i < TRAINERS; i++) {
            jobs.add(command("cancel" + i + "-" + run, 1000));
        }
        submitAll(jobs);
        for (TrainingCommand j : jobs) {
            await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> events(j.jobId()).stream()
                    .anyMatch(e -> e.type() == TrainingEventType.EPOCH_COMPLETED));
        }
        Duration worst = Duration.ZERO;
        java.util.Set<String> owners = new java.util.TreeSet<>();
        for (TrainingCommand j : jobs) {
            owners.add(state(j.jobId()).orElseThrow().owner());
            Instant sent = Instant.ofEpochMilli(send(new TrainingCommand(TrainingCommand.SCHEMA_VERSION, j.jobId(),
                    JobKind.CANCEL, null, null, null, null, null, null)));
            TrainingEvent end = awaitFinal(j.jobId());
            assertEquals(TrainingEventType.CANCELLED, end.type(), () -> "after CANCEL: " + end);
            assertEquals(List.of(), versions(j.modelName()), "a cancelled job publishes nothing");
            Duration took = Duration.between(sent, end.timestamp());
            worst = took.compareTo(worst) > 0 ? took : worst;
        }
        assertEquals(TRAINERS, owners.size(), "one job per trainer: " + owners);
        Duration slowest = worst;
        assertTrue(slowest.compareTo(Duration.ofSeconds(10)) < 0, () -> "a CANCEL took " + slowest);
        report.append(String.format("cancel: three jobs on three trainers, CANCEL to CANCELLED at most %.1f s "
                + "(heartbeat 1 s)%n", seconds(slowest)));
    }

    private List<TrainingCommand> nineJobs(String prefix) {
        List<TrainingCommand> jobs = new ArrayList<>();
        for (int i = 0; i < EPOCHS.length; i++) {
            jobs.add(command(prefix + i + "-" + run, EPOCHS[i]));
        }
        return jobs;
    }

    private Map<String, Instant> submitAll(List<TrainingCommand> jobs) throws Exception {
        Map<String, Instant> submitted = new LinkedHashMap<>();
        for (TrainingCommand j : jobs) {
            submitted.put(j.jobId(), Instant.ofEpochMilli(send(j)));
        }
        return submitted;
    }

    /** Runs from the events: claim (ACCEPTED) to end, split at the kill for the killed trainer's job. */
    private QueueSchedule schedule(Map<String, Instant> submitted, String killedJob, Instant killedAt) {
        Map<String, QueueSchedule.Job> jobs = new LinkedHashMap<>();
        for (Map.Entry<String, Instant> e : submitted.entrySet()) {
            List<TrainingEvent> es = events(e.getKey());
            Instant claimed = es.stream().filter(x -> x.type() == TrainingEventType.ACCEPTED).findFirst()
                    .orElseThrow().timestamp();
            Instant ended = es.stream().filter(x -> x.type().isFinal()).findFirst().orElseThrow().timestamp();
            List<QueueSchedule.Run> runs = new ArrayList<>();
            if (e.getKey().equals(killedJob)) {
                Instant resumed = es.stream().filter(x -> x.type() == TrainingEventType.STARTED
                        && x.timestamp().isAfter(killedAt)).findFirst().orElseThrow().timestamp();
                runs.add(new QueueSchedule.Run(claimed, killedAt));
                runs.add(new QueueSchedule.Run(resumed, ended));
            } else {
                runs.add(new QueueSchedule.Run(claimed, ended));
            }
            jobs.put(e.getKey(), new QueueSchedule.Job(e.getValue(), runs, ended));
        }
        return new QueueSchedule(jobs, killedAt == null ? List.of() : List.of(killedAt), TRAINERS);
    }

    /**
     * The makespan the previous design would have had with these job lengths: a job pauses its partition, the
     * commands topic has one partition per trainer, so each partition's jobs (keyed by job id) run one after another.
     */
    private Duration keyedPartitionMakespan(QueueSchedule schedule) {
        Duration[] perPartition = new Duration[TRAINERS];
        java.util.Arrays.fill(perPartition, Duration.ZERO);
        schedule.jobs().forEach((id, job) -> {
            int p = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % TRAINERS;
            perPartition[p] = perPartition[p].plus(job.work());
        });
        return java.util.Arrays.stream(perPartition).max(Duration::compareTo).orElseThrow();
    }

    private String perJob(List<TrainingCommand> jobs, QueueSchedule schedule) {
        List<String> parts = new ArrayList<>();
        for (TrainingCommand j : jobs) {
            QueueSchedule.Job job = schedule.jobs().get(j.jobId());
            parts.add(String.format("(%d, %.1f, %.1f)", j.hyperParameters().epochs(),
                    seconds(Duration.between(job.submitted(), job.runs().get(0).from())), seconds(job.work())));
        }
        return String.join(" ", parts);
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private void startTrainer(int i) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("FINETUNE_TRAINER_INSTANCE_ID", "scale-trainer-" + i + "-" + run);
        e.put("FINETUNE_TRAINER_WORK_DIR", RepositoryLayout.scratch("scale-work-" + i + "-" + run).toString());
        trainers.set(i, ServiceProcesses.start("scale-trainer-" + i + "-" + run, TrainerApplication.class.getName(),
                ports.get(i), e, RepositoryLayout.scratch("trainer-service")));
    }

    private int trainerOf(String owner) {
        for (int i = 0; i < TRAINERS; i++) {
            if (("scale-trainer-" + i + "-" + run).equals(owner)) {
                return i;
            }
        }
        throw new AssertionError("expected a job owned by one of this test's trainers, found owner " + owner);
    }

    private TrainingCommand command(String jobId, int epochs) {
        return new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.BASE, "m-" + jobId,
                new DatasetRef(dataset, "latest"), null, "res-cnn",
                new HyperParameters(epochs, 8, 0.01, SIZE, Augmentation.NONE, null, null, null, null), 42L);
    }

    /** Sends and returns the broker timestamp of the record. */
    private long send(TrainingCommand command) throws Exception {
        return producer.send(new ProducerRecord<>(Topics.TRAINING_COMMANDS,
                command.jobId().getBytes(StandardCharsets.UTF_8), ContractCodec.encode(command))).get().timestamp();
    }

    private List<TrainingEvent> events(String jobId) {
        List<TrainingEvent> list = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : events.records()) {
            if (r.key() != null && jobId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                list.add(ContractCodec.decode(r.value(), TrainingEvent.class));
            }
        }
        return list;
    }

    private TrainingEvent awaitFinal(String jobId) {
        return await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> events(jobId).stream().filter(e -> e.type().isFinal()).findFirst(),
                        Optional::isPresent).orElseThrow();
    }

    private Optional<byte[]> object(String key) throws Exception {
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(key)
                .build())) {
            return Optional.of(in.readAllBytes());
        } catch (io.minio.errors.ErrorResponseException e) {
            return Optional.empty();
        }
    }

    private Optional<JobState> state(String jobId) throws Exception {
        return object(ObjectLayout.jobState(jobId)).map(b -> ContractCodec.decode(b, JobState.class));
    }

    private ModelManifest manifest(String model) throws Exception {
        return ContractCodec.decode(object(ObjectLayout.modelManifest(model, "1")).orElseThrow(),
                ModelManifest.class);
    }

    private List<String> keys(String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> r : minio.listObjects(ListObjectsArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .prefix(prefix).recursive(true).build())) {
            keys.add(r.get().objectName());
        }
        return keys;
    }

    private List<String> queueEntries() throws Exception {
        return keys(ObjectLayout.queuePrefix("trainer-scale-" + run));
    }

    /** Versions of a model that have a manifest.json. */
    private List<Integer> versions(String model) throws Exception {
        List<Integer> versions = new ArrayList<>();
        for (String key : keys(ObjectLayout.modelPrefix(model))) {
            if (key.endsWith("/" + ObjectLayout.MODEL_MANIFEST)) {
                versions.add(Integer.parseInt(key.substring(ObjectLayout.modelPrefix(model).length(),
                        key.length() - ObjectLayout.MODEL_MANIFEST.length() - 1)));
            }
        }
        versions.sort(null);
        return versions;
    }
}
