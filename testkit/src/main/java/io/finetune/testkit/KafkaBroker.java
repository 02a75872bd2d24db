package io.finetune.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The real Apache Kafka broker (KRaft, single node) from Maven Central, run as a separate JVM with its data in a
 * folder. Restartable on the same ports and data, to test a broker restart.
 */
public final class KafkaBroker extends RestartableServer {
    private final Path dir;
    private final int port;
    private final int controllerPort;

    private KafkaBroker(Path dir, int port, int controllerPort, ServerProcess process) {
        super(process, Duration.ofSeconds(90));
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    public static KafkaBroker start(Path dir) {
        int port = FreePorts.next();
        int controllerPort = FreePorts.next();
        Path libs = libs();
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("server.properties");
            Files.writeString(config, serverProperties(dir.resolve("data"), port, controllerPort));
            Path log4j = dir.resolve("log4j2.properties");
            Files.writeString(log4j, """
                    status=warn
                    appender.console.type=Console
                    appender.console.name=STDOUT
                    appender.console.layout.type=PatternLayout
                    appender.console.layout.pattern=[%d] %p %m (%c)%n
                    rootLogger.level=WARN
                    rootLogger.appenderRef.stdout.ref=STDOUT
                    logger.kafka.name=kafka.server.KafkaRaftServer
                    logger.kafka.level=INFO
                    """);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = libs + "/*";
            List<String> base = List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-cp", cp,
                    "-Dlog4j2.configurationFile=" + log4j);
            Process format = new ProcessBuilder(concat(base, "kafka.tools.StorageTool", "format", "-t",
                    UUID.randomUUID().toString().replace("-", "").substring(0, 22), "-c", config.toString(),
                    "--ignore-formatted"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("Kafka storage format failed; log " + dir.resolve("format.log"));
            }
            ServerProcess process = new ServerProcess("Kafka broker", concat(base, "kafka.Kafka", config.toString()),
                    Map.of(), dir.resolve("kafka.log"));
            KafkaBroker broker = new KafkaBroker(dir, port, controllerPort, process);
            broker.startProcess();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected boolean serving() {
        return reachable(bootstrapServers());
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }


    static Path libs() {
        String env = System.getenv("FINETUNE_KAFKA_LIBS");
        Path libs = env != null && !env.isBlank() ? Path.of(env)
                : RepositoryLayout.root().resolve("kafka-server/target/lib");
        if (!Files.isRegularFile(libs.resolve("kafka_2.13-" + kafkaVersion(libs) + ".jar"))) {
            throw new IllegalStateException("expected the Kafka broker jars in " + libs + ", found none: run "
                    + "'./mvnw -pl kafka-server package' (./finetune setup does it)");
        }
        return libs;
    }

    private static String kafkaVersion(Path libs) {
        try (var files = Files.list(libs)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("kafka_2.13-"))
                    .map(n -> n.substring("kafka_2.13-".length(), n.length() - 4)).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    static boolean reachable(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(p)) {
            return admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size() > 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Creates topics (ignoring those that exist) so that tests do not depend on auto-creation timing. */
    public static void createTopics(String bootstrap, int partitions, List<String> topics) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            for (String topic : topics) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30,
                            TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrap + " did not create topics within 30 s", e);
        }
    }

    private static String serverProperties(Path data, int port, int controllerPort) {
        return """
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@127.0.0.1:%2$d
                listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                controller.listener.names=CONTROLLER
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                inter.broker.listener.name=PLAINTEXT
                log.dirs=%3$s
                num.partitions=3
                offsets.topic.replication.factor=1
                offsets.topic.num.partitions=3
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                auto.create.topics.enable=true
                """.formatted(port, controllerPort, data.toAbsolutePath());
    }

    private static List<String> concat(List<String> base, String... more) {
        var all = new java.util.ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
