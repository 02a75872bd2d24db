package io.finetune.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.ml.ClassScore;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.ModelPackages;
import io.finetune.ml.Prediction;
import io.finetune.service.ObjectStore;
import io.finetune.service.StorageConfiguration;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.trainer.ExclusiveWrites;
import io.finetune.trainer.ModelRepository;
import io.finetune.trainer.TrainerConfiguration;
import io.finetune.trainer.backbones.BackbonePublisher;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Publishes a backbone as the launcher does, and checks served answers against the ml module in-process. */
final class BackboneFixture {
    private BackboneFixture() {
    }

    static void publish(Infra infra, Path folder, String name) throws Exception {
        StorageConfiguration storage = new StorageConfiguration(infra.minioEndpoint(), infra.accessKey(),
                infra.secretKey(), ObjectLayout.DEFAULT_BUCKET);
        ObjectStore store = new ObjectStore(infra.minioClient(), storage);
        ExclusiveWrites exclusive = new ExclusiveWrites(infra.minioClient(), storage);
        Path work = RepositoryLayout.scratch("system-backbone-" + name);
        ModelRepository models = new ModelRepository(store, exclusive, new TrainerConfiguration("g", "earliest", 1,
                Duration.ofSeconds(10), Duration.ofMillis(200), work.toString(), null, 3, Duration.ofSeconds(1), 2));
        Properties p = new Properties();
        p.put("bootstrap.servers", infra.kafkaBootstrap());
        p.put("acks", "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            BackbonePublisher.Result r = new BackbonePublisher(store, exclusive, models, published -> {
                try {
                    producer.send(new ProducerRecord<>(Topics.MODELS_PUBLISHED, published.modelName(),
                            ContractCodec.encode(published))).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, work).publish(folder, name);
            assertEquals(BackbonePublisher.Outcome.PUBLISHED, r.outcome(), r.message());
        }
    }

    /**
     * The served answer (gateway JSON) equals the prediction of the same package loaded in this JVM: same classes
     * in the same order, probabilities within 1e-5.
     */
    static void assertSameAsInProcess(Infra infra, String model, String version, byte[] image, JsonNode served)
            throws Exception {
        StorageConfiguration storage = new StorageConfiguration(infra.minioEndpoint(), infra.accessKey(),
                infra.secretKey(), ObjectLayout.DEFAULT_BUCKET);
        ObjectStore store = new ObjectStore(infra.minioClient(), storage);
        Path dir = RepositoryLayout.scratch("system-parity-" + model + "-" + version);
        for (String key : store.list(ObjectLayout.modelVersionPrefix(model, version))) {
            String file = key.substring(ObjectLayout.modelVersionPrefix(model, version).length());
            if (!file.contains("/") && !file.startsWith(".")) {
                store.download(key, dir.resolve(file));
            }
        }
        JsonNode top = served.get("top");
        try (ImageClassifier classifier = ModelPackages.load(dir)) {
            Prediction local = classifier.predict(image, top.size());
            assertEquals(version, served.get("version").asText());
            for (int i = 0; i < top.size(); i++) {
                ClassScore expected = local.top().get(i);
                assertEquals(expected.className(), top.get(i).get("className").asText(), "class " + i);
                assertEquals(expected.probability(), top.get(i).get("probability").asDouble(), 1e-5,
                        "probability of " + expected.className() + " through the gateway");
            }
        }
    }
}
