package io.finetune.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingCommand;
import io.finetune.contracts.TrainingEvent;
import io.finetune.contracts.TrainingEventType;
import io.finetune.system.LocalSystem.Service;
import io.finetune.testkit.Infra;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The two slow steps system tests share: a dataset ingested through the dataset service, a job trained to the end. */
final class SystemJobs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SystemJobs() {
    }

    /** Uploads {@code zip} as a new version of {@code dataset} and waits until it is READY. */
    static void ingest(HttpClient http, LocalSystem system, String dataset, byte[] zip) throws Exception {
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(system.url(Service.DATASET)
                        + "/datasets/" + dataset)).header("Content-Type", "application/zip")
                .timeout(Duration.ofMinutes(3)).POST(HttpRequest.BodyPublishers.ofByteArray(zip)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode(), "dataset upload: " + accepted.body());
        String status = system.url(Service.DATASET) + JSON.readTree(accepted.body()).path("statusUrl").asText();
        await("dataset " + dataset + " ready").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(status)).timeout(Duration.ofSeconds(30)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    String state = r.statusCode() == 200 ? JSON.readTree(r.body()).path("state").asText() : "";
                    if (state.equals("FAILED") || state.equals("INTERRUPTED")) {
                        fail("ingest of " + dataset + " ended " + state + ": " + r.body() + system.tails());
                    }
                    return state.equals("READY");
                });
    }

    /** Sends {@code command} as a Kafka record and waits for its COMPLETED event (fails on FAILED or CANCELLED). */
    static void trainAndAwait(Infra infra, LocalSystem system, String jobId, TrainingCommand command,
                              Duration timeout) {
        Properties p = new Properties();
        p.put("bootstrap.servers", infra.kafkaBootstrap());
        p.put("acks", "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.TRAINING_COMMANDS, jobId, ContractCodec.encode(command))).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send the training command to " + infra.kafkaBootstrap(), e);
        }
        Properties c = new Properties();
        c.put("bootstrap.servers", infra.kafkaBootstrap());
        c.put("group.id", "system-test-" + UUID.randomUUID());
        c.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<String, byte[]> events = new KafkaConsumer<>(c, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            events.subscribe(List.of(Topics.TRAINING_EVENTS));
            await("job " + jobId + " completed").atMost(timeout).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(500))) {
                            if (!jobId.equals(r.key())) {
                                continue;
                            }
                            TrainingEvent e = ContractCodec.decode(r.value(), TrainingEvent.class);
                            if (e.type() == TrainingEventType.FAILED || e.type() == TrainingEventType.CANCELLED) {
                                fail("training job " + jobId + " ended " + e.type() + ": " + e.reason()
                                        + system.tails());
                            }
                            if (e.type() == TrainingEventType.COMPLETED) {
                                return true;
                            }
                        }
                        return false;
                    });
        }
    }
}
