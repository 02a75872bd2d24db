package io.finetune.trainer;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingEvent;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Everything the trainer sends. Each send waits for the broker's acknowledgement (acks=all, idempotent producer from
 * {@code kafka.producers.default}), so a caller that goes on to commit or write state knows the message is durable.
 */
@Singleton
public class TrainerMessages {
    private static final long SEND_TIMEOUT_SECONDS = 60;

    private final Producer<byte[], byte[]> producer;

    public TrainerMessages(@KafkaClient("trainer") Producer<byte[], byte[]> producer) {
        this.producer = producer;
    }

    public void event(TrainingEvent event) {
        send(new ProducerRecord<>(Topics.TRAINING_EVENTS, utf8(event.jobId()), ContractCodec.encode(event)));
    }

    public void modelPublished(ModelPublished published) {
        send(new ProducerRecord<>(Topics.MODELS_PUBLISHED, utf8(published.modelName()),
                ContractCodec.encode(published)));
    }

    /** The original key and bytes, with where they came from and why they were rejected in headers. */
    public void deadLetter(ConsumerRecord<byte[], byte[]> record, String error) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_ERROR, utf8(error));
        headers.add(Topics.HEADER_SOURCE_TOPIC, utf8(record.topic()));
        headers.add(Topics.HEADER_SOURCE_PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(Topics.HEADER_SOURCE_OFFSET, utf8(Long.toString(record.offset())));
        send(new ProducerRecord<>(Topics.TRAINING_COMMANDS_DLQ, null, record.key(), record.value(), headers));
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        try {
            producer.send(record).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MessagingException("interrupted while sending to " + record.topic(), e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new MessagingException("expected the broker to acknowledge a record on " + record.topic()
                    + ", found " + cause, cause);
        }
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** A broker fault: retried like a storage fault. */
    public static final class MessagingException extends RuntimeException {
        MessagingException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
