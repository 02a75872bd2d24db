package io.finetune.trainer.backbones;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.ml.SharedWeights;
import io.finetune.service.ExclusiveWrites;
import io.finetune.service.ObjectStore;
import io.finetune.service.StorageConfiguration;
import io.finetune.trainer.ModelRepository;
import io.finetune.trainer.TrainerConfiguration;
import io.minio.MinioClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./finetune up} runs this once MinIO and Kafka are up: every backbone folder under {@code FINETUNE_WEIGHTS_DIR}
 * (or {@code ../shared/weights}) becomes registry model {@code imagenet-<folder>} version 1 ({@link BackbonePublisher}).
 * Environment: {@code FINETUNE_STORAGE_ENDPOINT}, {@code FINETUNE_STORAGE_ACCESS_KEY}, {@code FINETUNE_STORAGE_SECRET_KEY},
 * {@code FINETUNE_STORAGE_BUCKET} (default finetune), {@code KAFKA_BOOTSTRAP_SERVERS}. Prints one line per backbone;
 * exits 3 when one was refused, 0 otherwise (no weights is not an error: the system runs without backbones).
 */
public final class PublishBackbones {
    private PublishBackbones() {
    }

    public static void main(String[] args) throws Exception {
        int code = run(SharedWeights.backbones(), System.getenv(), System.out);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Publishes each folder; returns 3 when one was refused, else 0. */
    static int run(List<Path> folders, Map<String, String> env, PrintStream out) throws Exception {
        if (folders.isEmpty()) {
            out.println("Backbones: none found (" + SharedWeights.absentMessage() + "); the system runs without "
                    + "them: add the weights, then run ./finetune up again to publish them");
            return 0;
        }
        StorageConfiguration storage = new StorageConfiguration(env(env, "FINETUNE_STORAGE_ENDPOINT"),
                env(env, "FINETUNE_STORAGE_ACCESS_KEY"), env(env, "FINETUNE_STORAGE_SECRET_KEY"),
                env.getOrDefault("FINETUNE_STORAGE_BUCKET", ObjectLayout.DEFAULT_BUCKET));
        MinioClient client = MinioClient.builder().endpoint(storage.endpoint())
                .credentials(storage.accessKey(), storage.secretKey()).build();
        ObjectStore store = new ObjectStore(client, storage);
        store.ensureBucket();
        Path work = Files.createTempDirectory("finetune-backbones");
        TrainerConfiguration trainer = new TrainerConfiguration("finetune-trainer", "earliest", 1,
                Duration.ofSeconds(10), Duration.ofMillis(200), work.toString(), "backbone-publisher", 3,
                Duration.ofSeconds(1), 2);
        int refused = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env(env, "KAFKA_BOOTSTRAP_SERVERS"),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            ExclusiveWrites exclusive = new ExclusiveWrites(client, storage);
            BackbonePublisher publisher = new BackbonePublisher(store, exclusive,
                    new ModelRepository(store, exclusive, trainer), published -> send(producer, published), work);
            for (Path folder : folders) {
                BackbonePublisher.Result r = publisher.publish(folder);
                out.println("Backbones: " + r.message());
                refused += r.outcome() == BackbonePublisher.Outcome.REFUSED ? 1 : 0;
            }
        } finally {
            io.finetune.trainer.CheckpointSync.deleteTree(work);
        }
        return refused > 0 ? 3 : 0;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, ModelPublished published) {
        try {
            producer.send(new ProducerRecord<>(Topics.MODELS_PUBLISHED,
                    published.modelName().getBytes(StandardCharsets.UTF_8), ContractCodec.encode(published)))
                    .get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("expected the broker to acknowledge the publication of "
                    + published.modelName() + ", found " + e, e);
        }
    }

    private static String env(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("expected environment variable " + name + ", found none");
        }
        return v;
    }
}
