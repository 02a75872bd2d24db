package io.finetune.system;

import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The four services as separate JVMs, each run the way {@code ./finetune} runs it: from its own module's
 * {@code target/classes} plus the jars in {@code target/classpath.txt} (so each has exactly its own runtime
 * classpath, not the test's), on free ports, pointed at the given Kafka and MinIO and at each other.
 */
public final class LocalSystem implements AutoCloseable {
    public enum Service {
        DATASET("dataset-service", "io.finetune.dataset.DatasetServiceApplication", "-Xmx768m"),
        TRAINER("trainer-service", "io.finetune.trainer.TrainerApplication", "-Xmx1536m"),
        INFERENCE("inference-service", "io.finetune.inference.InferenceApplication", "-Xmx1g"),
        GATEWAY("gateway", "io.finetune.gateway.GatewayApplication", "-Xmx512m");

        public final String module;
        final String mainClass;
        final String heap;

        Service(String module, String mainClass, String heap) {
            this.module = module;
            this.mainClass = mainClass;
            this.heap = heap;
        }
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(300);

    private final Map<Service, Integer> ports = new LinkedHashMap<>();
    /** The gateway answers /health and /prometheus on a port of its own, never on its public one. */
    private final int gatewayManagementPort = FreePorts.next();
    private final Map<Service, ServerProcess> processes = new LinkedHashMap<>();
    /** Inference replicas beyond the first: their ports and processes, in start order. */
    private final List<Integer> extraInferencePorts = new ArrayList<>();
    private final List<ServerProcess> extraInference = new ArrayList<>();
    private final Path logDir;

    private LocalSystem(Path logDir) {
        this.logDir = logDir;
        for (Service s : Service.values()) {
            ports.put(s, FreePorts.next());
        }
    }

    /**
     * Starts all four (the backends together, then the gateway) and waits until each answers {@code /health} (the
     * gateway on its management port).
     *
     * @param gatewayApiKey the key the gateway accepts in {@code X-API-Key}
     */
    public static LocalSystem start(Infra infra, String gatewayApiKey, Path logDir) {
        return start(infra, gatewayApiKey, logDir, 1);
    }

    /**
     * As above with {@code inferenceReplicas} inference processes (each with a work folder of its own), which the
     * gateway balances over ({@code micronaut.http.services.inference.urls}, round robin).
     */
    public static LocalSystem start(Infra infra, String gatewayApiKey, Path logDir, int inferenceReplicas) {
        LocalSystem system = new LocalSystem(logDir);
        try {
            // each backend with its own storage user; the gateway with none
            system.launch(Service.DATASET, infra.serviceEnvironment(StorageUser.DATASET_SERVICE));
            system.launch(Service.TRAINER, infra.serviceEnvironment(StorageUser.TRAINER_SERVICE));
            system.launch(Service.INFERENCE, infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
            for (int i = 2; i <= inferenceReplicas; i++) {
                system.launchInferenceReplica(i, infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
            }
            Map<String, String> gateway = new LinkedHashMap<>(infra.serviceEnvironment());
            if (inferenceReplicas > 1) {
                // a single url would take precedence over the list
                gateway.put("MICRONAUT_HTTP_SERVICES_INFERENCE_URLS", String.join(",", system.inferenceUrls()));
            } else {
                gateway.put("MICRONAUT_HTTP_SERVICES_INFERENCE_URL", system.url(Service.INFERENCE));
            }
            gateway.put("MICRONAUT_HTTP_SERVICES_DATASET_URL", system.url(Service.DATASET));
            gateway.put("FINETUNE_GATEWAY_API_KEYS", gatewayApiKey);
            gateway.put("FINETUNE_GATEWAY_MANAGEMENT_PORT", Integer.toString(system.gatewayManagementPort));
            system.launch(Service.GATEWAY, gateway);
            system.processes.forEach((s, p) -> p.awaitReady(START_TIMEOUT,
                    () -> ServiceProcesses.healthy(system.managementUrl(s))));
            for (int i = 0; i < system.extraInference.size(); i++) {
                String url = "http://127.0.0.1:" + system.extraInferencePorts.get(i);
                system.extraInference.get(i).awaitReady(START_TIMEOUT, () -> ServiceProcesses.healthy(url));
            }
            return system;
        } catch (RuntimeException e) {
            system.close();
            throw e;
        }
    }

    private void launch(Service s, Map<String, String> environment) {
        processes.put(s, process(s, s.module, ports.get(s), environment));
    }

    private void launchInferenceReplica(int replica, Map<String, String> environment) {
        int port = FreePorts.next();
        String name = Service.INFERENCE.module + "-" + replica;
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("FINETUNE_INFERENCE_WORK_DIR", logDir.resolve(name + "-work").toString());
        extraInferencePorts.add(port);
        extraInference.add(process(Service.INFERENCE, name, port, env));
    }

    private ServerProcess process(Service s, String name, int port, Map<String, String> environment) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("MICRONAUT_SERVER_PORT", Integer.toString(port));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, s.heap, "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(extraJvmOptions(s));
        command.addAll(List.of("-cp", classpath(s, logDir.resolve("classes").resolve(name)), s.mainClass));
        return new ServerProcess(name, command, env, logDir.resolve(name + ".log")).start();
    }

    /** Every inference replica's base URL, the first one's ({@link #url}) first. */
    public List<String> inferenceUrls() {
        List<String> urls = new ArrayList<>(List.of(url(Service.INFERENCE)));
        extraInferencePorts.forEach(p -> urls.add("http://127.0.0.1:" + p));
        return urls;
    }

    /**
     * JVM options for one service from {@code FINETUNE_<SERVICE>_JVM_OPTS} (for example
     * {@code FINETUNE_INFERENCE_JVM_OPTS="-Xlog:gc:file=gc.log"}), split on spaces; none when unset. Benchmarks use it
     * to try collectors and heap sizes without a rebuild.
     */
    static List<String> extraJvmOptions(Service s) {
        String value = System.getenv("FINETUNE_" + s.name() + "_JVM_OPTS");
        return value == null || value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
    }

    /**
     * A copy of {@code <module>/target/classes} (so that rebuilding the module while the test runs cannot change the
     * running service's classes) and the runtime jars Maven listed in {@code target/classpath.txt}.
     */
    static String classpath(Service s, Path classesCopy) {
        Path module = RepositoryLayout.root().resolve(s.module);
        Path classes = module.resolve("target/classes");
        Path listing = module.resolve("target/classpath.txt");
        if (!Files.isDirectory(classes) || !Files.isRegularFile(listing)) {
            throw new IllegalStateException("expected " + classes + " and " + listing + ", found "
                    + (Files.isDirectory(classes) ? "no classpath.txt" : "no classes") + ": build the service first ("
                    + "./mvnw -B -o -pl " + s.module + " package -DskipTests)");
        }
        try {
            copyTree(classes, classesCopy);
            if (!Files.isRegularFile(classesCopy.resolve(s.mainClass.replace('.', '/') + ".class"))) {
                throw new IllegalStateException("expected " + s.mainClass + " in " + classes + ", found none: build "
                        + s.module + " first");
            }
            List<String> entries = new ArrayList<>();
            entries.add(classesCopy.toString());
            for (String jar : Files.readString(listing).trim().split(java.io.File.pathSeparator)) {
                if (!jar.isBlank()) {
                    if (!Files.exists(Path.of(jar))) {
                        throw new IllegalStateException(s.module + ": expected " + jar + " (from " + listing
                                + "), found nothing: rebuild " + s.module);
                    }
                    entries.add(jar);
                }
            }
            return String.join(java.io.File.pathSeparator, entries);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + listing, e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    public int port(Service s) {
        return ports.get(s);
    }

    public String url(Service s) {
        return "http://127.0.0.1:" + ports.get(s);
    }

    /** Where {@code /health} and {@code /prometheus} answer: the service's port, or the gateway's management port. */
    public String managementUrl(Service s) {
        return s == Service.GATEWAY ? "http://127.0.0.1:" + gatewayManagementPort : url(s);
    }

    public ServerProcess process(Service s) {
        return processes.get(s);
    }

    /** The last lines of every service's log, for failure messages. */
    public String tails() {
        StringBuilder sb = new StringBuilder();
        processes.forEach((s, p) -> sb.append("\n----- ").append(s.module).append(" (").append(p.log()).append(")\n")
                .append(p.tail()));
        return sb.toString();
    }

    @Override
    public void close() {
        extraInference.forEach(ServerProcess::stop);
        List<Service> reverse = new ArrayList<>(processes.keySet());
        java.util.Collections.reverse(reverse);
        for (Service s : reverse) {
            processes.get(s).stop();
        }
    }
}
