package io.finetune.system.bench;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.ml.ModelPackages;
import io.finetune.testkit.Infra;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.UploadObjectArgs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/** What the serving benchmarks share: publishing a model as the trainer does, waiting until it answers, the load. */
final class BenchModels {
    private BenchModels() {
    }

    /** Package files, manifest last, the latest pointer, then the announcement the inference service follows. */
    static void publish(Infra infra, Path pkg, String model) throws Exception {
        MinioClient minio = infra.minioClient();
        List<Path> files;
        try (Stream<Path> s = Files.list(pkg)) {
            files = new ArrayList<>(s.filter(p -> !p.getFileName().toString().equals(ModelPackages.MANIFEST))
                    .toList());
        }
        files.add(pkg.resolve(ModelPackages.MANIFEST));
        for (Path f : files) {
            minio.uploadObject(UploadObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                    .object(ObjectLayout.modelFile(model, "1", f.getFileName().toString())).filename(f.toString())
                    .build());
        }
        byte[] pointer = ContractCodec.encode(new ModelPointer(ModelPointer.SCHEMA_VERSION, model, "1",
                Instant.now()));
        minio.putObject(PutObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(ObjectLayout
                .modelLatest(model)).stream(new ByteArrayInputStream(pointer), pointer.length, -1).build());
        ModelManifest m = ModelPackages.readManifest(pkg);
        Properties p = new Properties();
        p.put("bootstrap.servers", infra.kafkaBootstrap());
        p.put("acks", "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.MODELS_PUBLISHED, model, ContractCodec.encode(
                    new ModelPublished(ModelPublished.SCHEMA_VERSION, model, "1", Instant.now(), "bench",
                            m.architecture(), m.classes().size(), m.imageSize(), m.parent(), "bench")))).get();
        }
    }

    /** One prediction of a JPEG with the API key; true on 200. */
    static boolean post(HttpClient http, URI uri, String apiKey, byte[] photo) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "image/jpeg")
                .header("X-API-Key", apiKey).POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200;
    }

    /** Polls until {@code uri} answers the photo with 200, at most 3 minutes. */
    static void awaitServed(HttpClient http, URI uri, String apiKey, byte[] photo) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!post(http, uri, apiKey, photo)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the model was not served through " + uri + " within 3 minutes");
            }
            Thread.sleep(500);
        }
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
