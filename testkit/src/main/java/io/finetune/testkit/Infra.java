package io.finetune.testkit;

import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.storage.StorageCredentials;
import io.finetune.storage.StorageProvisioner;
import io.finetune.storage.StorageUser;
import io.minio.MinioClient;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The real Kafka and MinIO a test talks to: reused when {@code FINETUNE_KAFKA_BOOTSTRAP} and
 * {@code FINETUNE_MINIO_ENDPOINT} name running servers (as {@code ./finetune test} does, to keep the suite fast),
 * else started here as processes on free ports. Servers started here can be killed and restarted by the test.
 * Services run with least privilege, as in production: the bucket and one MinIO user per service
 * ({@link StorageUser}) are provisioned with the root credentials, which only the test's own fixtures use.
 */
public final class Infra implements AutoCloseable {
    /** The services' users on a test MinIO: fixed secrets, set again on every start (provisioning is idempotent). */
    private static final Map<StorageUser, StorageCredentials> SERVICE_USERS = serviceUsers();

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

    private static Map<StorageUser, StorageCredentials> serviceUsers() {
        Map<StorageUser, StorageCredentials> users = new EnumMap<>(StorageUser.class);
        for (StorageUser user : StorageUser.values()) {
            users.put(user, new StorageCredentials(user.userName(), "test-" + user.service() + "-secret"));
        }
        return Map.copyOf(users);
    }

    private void prepare() {
        KafkaBroker.createTopics(kafkaBootstrap, 3, Topics.all());
        new StorageProvisioner(minioEndpoint, new StorageCredentials(accessKey, secretKey),
                ObjectLayout.DEFAULT_BUCKET).provision(SERVICE_USERS);
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

    /** A client with MinIO's root credentials: for a test's fixtures and checks, never for a service. */
    public MinioClient minioClient() {
        return MinioClient.builder().endpoint(minioEndpoint).credentials(accessKey, secretKey).build();
    }

    /** A client with the credentials the service of {@code user} runs with. */
    public MinioClient minioClient(StorageUser user) {
        StorageCredentials c = storageCredentials(user);
        return MinioClient.builder().endpoint(minioEndpoint).credentials(c.accessKey(), c.secretKey()).build();
    }

    public StorageCredentials storageCredentials(StorageUser user) {
        return SERVICE_USERS.get(user);
    }

    /**
     * Environment variables that point a process at these servers (Micronaut maps them to properties), without
     * storage credentials: enough for the gateway, which stores nothing.
     */
    public Map<String, String> serviceEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap);
        env.put("FINETUNE_STORAGE_ENDPOINT", minioEndpoint);
        env.put("FINETUNE_STORAGE_BUCKET", ObjectLayout.DEFAULT_BUCKET);
        return env;
    }

    /** As {@link #serviceEnvironment()}, with the storage credentials of the service of {@code user}. */
    public Map<String, String> serviceEnvironment(StorageUser user) {
        Map<String, String> env = serviceEnvironment();
        env.put("FINETUNE_STORAGE_ACCESS_KEY", storageCredentials(user).accessKey());
        env.put("FINETUNE_STORAGE_SECRET_KEY", storageCredentials(user).secretKey());
        return env;
    }

    /** Properties for an in-process Micronaut context (ApplicationContext.run(map)), without storage credentials. */
    public Map<String, Object> serviceProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("kafka.bootstrap.servers", kafkaBootstrap);
        p.put("finetune.storage.endpoint", minioEndpoint);
        p.put("finetune.storage.bucket", ObjectLayout.DEFAULT_BUCKET);
        return p;
    }

    /** As {@link #serviceProperties()}, with the storage credentials of the service of {@code user}. */
    public Map<String, Object> serviceProperties(StorageUser user) {
        Map<String, Object> p = serviceProperties();
        p.put("finetune.storage.access-key", storageCredentials(user).accessKey());
        p.put("finetune.storage.secret-key", storageCredentials(user).secretKey());
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
