package io.finetune.trainer.backbones;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.ml.SharedWeights;
import io.finetune.service.ExclusiveWrites;
import io.finetune.service.ObjectStore;
import io.finetune.service.StorageConfiguration;
import io.finetune.storage.StorageCredentials;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.trainer.ModelRepository;
import io.finetune.trainer.TrainerConfiguration;
import io.minio.StatObjectArgs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Backbone publication against the real MinIO and Kafka: once (manifest last, latest, an announcement serving
 * follows), idempotently (a second run writes nothing), and never replacing a published backbone with another file.
 */
@ExtendWith(InfraExtension.class)
class BackbonePublicationIT {
    @Test
    void aBackboneIsPublishedOnceAndADifferentFileUnderItsNameIsRefused(Infra infra) throws Exception {
        Path shared = SharedWeights.backbone("efficientnet-lite0").orElse(null);
        io.finetune.testkit.RequiredInputs.require(shared != null, SharedWeights.absentMessage());
        Path folder = RepositoryLayout.scratch("backbones-" + UUID.randomUUID()).resolve("efficientnet-lite0");
        Files.createDirectories(folder);
        Files.copy(shared.resolve(SharedWeights.WEIGHTS_FILE), folder.resolve(SharedWeights.WEIGHTS_FILE));
        Files.copy(shared.resolve(SharedWeights.CLASSES_FILE), folder.resolve(SharedWeights.CLASSES_FILE));
        String name = "imagenet-test-" + UUID.randomUUID().toString().substring(0, 8);
        // the trainer's own storage user, as the service and ./finetune run these
        StorageCredentials trainerUser = infra.storageCredentials(StorageUser.TRAINER_SERVICE);
        StorageConfiguration storage = new StorageConfiguration(infra.minioEndpoint(), trainerUser.accessKey(),
                trainerUser.secretKey(), ObjectLayout.DEFAULT_BUCKET);
        ObjectStore store = new ObjectStore(infra.minioClient(StorageUser.TRAINER_SERVICE), storage);
        ExclusiveWrites exclusive = new ExclusiveWrites(infra.minioClient(StorageUser.TRAINER_SERVICE), storage);
        Path work = RepositoryLayout.scratch("backbones-work-" + UUID.randomUUID());
        ModelRepository models = new ModelRepository(store, exclusive, new TrainerConfiguration("g", "earliest", 1,
                Duration.ofSeconds(10), Duration.ofMillis(200), work.toString(), null, 3, Duration.ofSeconds(1), 2));
        List<ModelPublished> announced = new ArrayList<>();
        BackbonePublisher publisher = new BackbonePublisher(store, exclusive, models, announced::add, work);

        BackbonePublisher.Result first = publisher.publish(folder, name);
        assertEquals(BackbonePublisher.Outcome.PUBLISHED, first.outcome(), first.message());
        ModelManifest m = store.getJson(ObjectLayout.modelManifest(name, "1"), ModelManifest.class).orElseThrow();
        assertEquals(JobKind.PRETRAINED, m.kind());
        assertEquals(1000, m.classes().size());
        assertEquals("daisy", m.classes().get(985));
        assertEquals("4a1ffee363e587856ff2382979941f5709b810bd22d1807741e92d58f93a8b25",
                m.provenance().pretrained().sha256());
        assertEquals("Apache-2.0", m.provenance().pretrained().licence());
        assertEquals("1", store.getJson(ObjectLayout.modelLatest(name), ModelPointer.class).orElseThrow().version());
        assertEquals(List.of(name), announced.stream().map(ModelPublished::modelName).toList());
        String etag = etag(infra, ObjectLayout.modelManifest(name, "1"));

        BackbonePublisher.Result again = publisher.publish(folder, name);
        assertEquals(BackbonePublisher.Outcome.ALREADY_PUBLISHED, again.outcome(), again.message());
        assertEquals(etag, etag(infra, ObjectLayout.modelManifest(name, "1")), "nothing written again");
        assertEquals(List.of(name, name), announced.stream().map(ModelPublished::modelName).toList(),
                "announced again: a run that stopped before its announcement is completed");

        try (FileChannel f = FileChannel.open(folder.resolve(SharedWeights.WEIGHTS_FILE), StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap(new byte[]{0x3c}), f.size() - 1); // another (still valid) classifier bias
        }
        BackbonePublisher.Result other = publisher.publish(folder, name);
        assertEquals(BackbonePublisher.Outcome.REFUSED, other.outcome());
        assertTrue(other.message().contains("found a different file published under that name (sha256 4a1ffee3")
                && other.message().contains("not replacing"), other.message());
        assertEquals(etag, etag(infra, ObjectLayout.modelManifest(name, "1")), "the published model is untouched");
    }

    @Test
    void theCommandAnnouncesOnKafkaAndSaysHowToAddMissingWeights(Infra infra) throws Exception {
        StorageCredentials trainerUser = infra.storageCredentials(StorageUser.TRAINER_SERVICE);
        Map<String, String> env = Map.of("FINETUNE_STORAGE_ENDPOINT", infra.minioEndpoint(),
                "FINETUNE_STORAGE_ACCESS_KEY", trainerUser.accessKey(),
                "FINETUNE_STORAGE_SECRET_KEY", trainerUser.secretKey(),
                "KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrap());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, PublishBackbones.run(List.of(), env, new PrintStream(out, true)));
        assertTrue(out.toString().contains("none found") && out.toString().contains("FINETUNE_WEIGHTS_DIR"),
                out.toString());

        Path shared = SharedWeights.backbone("efficientnet-lite0").orElse(null);
        io.finetune.testkit.RequiredInputs.require(shared != null, SharedWeights.absentMessage());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap()), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MODELS_PUBLISHED, Duration.ofSeconds(30))
                    .stream().map(p -> new TopicPartition(Topics.MODELS_PUBLISHED, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            ByteArrayOutputStream published = new ByteArrayOutputStream();
            int code = PublishBackbones.run(List.of(shared), env, new PrintStream(published, true));
            assertEquals(0, code, published.toString());
            assertTrue(published.toString().contains("imagenet-efficientnet-lite0"), published.toString());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    ModelPublished p = ContractCodec.decode(r.value(), ModelPublished.class);
                    if (p.modelName().equals("imagenet-efficientnet-lite0")) {
                        assertEquals("1", p.version());
                        assertEquals(1000, p.numClasses());
                        return;
                    }
                }
            }
            fail("expected the publication of imagenet-efficientnet-lite0 on " + Topics.MODELS_PUBLISHED);
        }
    }

    private static String etag(Infra infra, String key) throws Exception {
        return infra.minioClient().statObject(StatObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(key)
                .build()).etag();
    }
}
