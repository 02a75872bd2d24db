package io.finetune.testkit;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.Topics;
import io.finetune.contracts.Augmentation;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(InfraExtension.class)
class RealInfrastructureIT {

    @Test
    void trainingCommandSurvivesARoundTripThroughTheRealBroker(Infra infra) throws Exception {
        String jobId = "it-" + UUID.randomUUID();
        TrainingCommand sent = new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.BASE, "flowers",
                new DatasetRef("flower5", "1"), null, "seed-cnn",
                new HyperParameters(2, 32, 1e-3, 64, Augmentation.NONE, null, null, null, null), 7L);
        try (var producer = new KafkaProducer<String, byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.TRAINING_COMMANDS, jobId, ContractCodec.encode(sent))).get();
        }
        List<TrainingCommand> received = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.TRAINING_COMMANDS));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (jobId.equals(r.key())) {
                        received.add(ContractCodec.decode(r.value(), TrainingCommand.class));
                    }
                }
                return !received.isEmpty();
            });
        }
        assertEquals(sent, received.get(0));
    }

    @Test
    void objectsAreWrittenListedAndReadInTheRealMinio(Infra infra) throws Exception {
        MinioClient client = infra.minioClient();
        String prefix = "it/" + UUID.randomUUID() + "/";
        byte[] body = "hello minio".getBytes(StandardCharsets.UTF_8);
        for (String name : List.of("a.txt", "b.txt")) {
            client.putObject(PutObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(prefix + name)
                    .stream(new ByteArrayInputStream(body), body.length, -1).build());
        }
        List<String> listed = new ArrayList<>();
        for (Result<Item> item : client.listObjects(ListObjectsArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .prefix(prefix).recursive(true).build())) {
            listed.add(item.get().objectName());
        }
        assertEquals(List.of(prefix + "a.txt", prefix + "b.txt"), listed);
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .object(prefix + "b.txt").build())) {
            assertTrue(new String(in.readAllBytes(), StandardCharsets.UTF_8).equals("hello minio"));
        }
    }
}
