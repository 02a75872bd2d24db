package io.finetune.testkit;

import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The real Kafka and MinIO a test talks to: reused when {@code FINETUNE_KAFKA_BOOTSTRAP} and
 * {@code FINETUNE_MINIO_ENDPOINT} name running servers (as {@code ./finetune test} does, to keep the suite fast),
 * else started here as processes on free ports. Servers started here can be killed and restarted by the test.
 */
public final class Infra implements AutoCloseable {
    private final String kafkaBootstrap;
    private final String minioEndpoint;
    private final String accessKey;
    private final String secretKey;
    private final KafkaBroker broker;
    private final MinioServer minio;

    private Infra(String kafkaBootstrap, String minioEndpoint, String accessKey, String secretKey, KafkaBroker broker,
                  MinioServer minio) {
        this.kafkaBootstrap = kafkaBootstrap;
        this.minioEndpoint = minioEndpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.broker = broker;
        this.minio = minio;
    }

    /** Reuses servers named by the environment, else starts its own. */
    public static Infra fromEnvironmentOrStart() {
        String kafka = System.getenv("FINETUNE_KAFKA_BOOTSTRAP");
        String endpoint = System.getenv("FINETUNE_MINIO_ENDPOINT");
        KafkaBroker broker = null;
        MinioServer minio = null;
        if (kafka == null || kafka.isBlank()) {
            broker = KafkaBroker.start(RepositoryLayout.scratch("kafka"));
            kafka = broker.bootstrapServers();
        }
        String access = MinioServer.ACCESS_KEY;
        String secret = MinioServer.SECRET_KEY;
        if (endpoint == null || endpoint.isBlank()) {
            minio = MinioServer.start(RepositoryLayout.scratch("minio"));
            endpoint = minio.endpoint();
        } else {
            access = System.getenv().getOrDefault("FINETUNE_MINIO_ACCESS_KEY", access);
            secret = System.getenv().getOrDefault("FINETUNE_MINIO_SECRET_KEY", secret);
        }
        Infra infra = new Infra(kafka, endpoint, access, secret, broker, minio);
        infra.prepare();
        return infra;
    }

    /** Servers of its own, for tests that kill or restart Kafka or MinIO. */
    public static Infra startPrivate() {
        KafkaBroker broker = KafkaBroker.start(RepositoryLayout.scratch("kafka"));
        MinioServer minio = MinioServer.start(RepositoryLayout.scratch("minio"));
        Infra infra = new Infra(broker.bootstrapServers(), minio.endpoint(), MinioServer.ACCESS_KEY,
                MinioServer.SECRET_KEY, broker, minio);
        infra.prepare();
        return infra;
    }

    private void prepare() {
        KafkaBroker.createTopics(kafkaBootstrap, 3, Topics.all());
        try {
            MinioClient client = minioClient();
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).build());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot prepare bucket " + ObjectLayout.DEFAULT_BUCKET + " in MinIO at "
                    + minioEndpoint + ": " + e.getMessage(), e);
        }
    }

    public String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    public String minioEndpoint() {
        return minioEndpoint;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public Optional<KafkaBroker> broker() {
        return Optional.ofNullable(broker);
    }

    public Optional<MinioServer> minio() {
        return Optional.ofNullable(minio);
    }

    public MinioClient minioClient() {
        return MinioClient.builder().endpoint(minioEndpoint).credentials(accessKey, secretKey).build();
    }

    /** Environment variables that point a service process at these servers (Micronaut maps them to properties). */
    public Map<String, String> serviceEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap);
        env.put("FINETUNE_STORAGE_ENDPOINT", minioEndpoint);
        env.put("FINETUNE_STORAGE_ACCESS_KEY", accessKey);
        env.put("FINETUNE_STORAGE_SECRET_KEY", secretKey);
        env.put("FINETUNE_STORAGE_BUCKET", ObjectLayout.DEFAULT_BUCKET);
        return env;
    }

    /** Properties for an in-process Micronaut context (ApplicationContext.run(map)). */
    public Map<String, Object> serviceProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("kafka.bootstrap.servers", kafkaBootstrap);
        p.put("finetune.storage.endpoint", minioEndpoint);
        p.put("finetune.storage.access-key", accessKey);
        p.put("finetune.storage.secret-key", secretKey);
        p.put("finetune.storage.bucket", ObjectLayout.DEFAULT_BUCKET);
        return p;
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
        if (minio != null) {
            minio.close();
        }
    }
}
