package io.finetune.inference;

import io.finetune.testkit.ServerProcess;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the inference service as its own JVM on this classpath, like {@code ServiceProcesses.start}, but lets the
 * caller decide what "started" means (any answer on /health, for readiness tests) and how long to wait (on a busy
 * machine a DL4J service can take minutes to start).
 */
public final class ServiceLauncher {
    private ServiceLauncher() {
    }

    /** Started and answering /health with any status (ready or not) within {@code timeout}. */
    public static ServerProcess startAnswering(String name, int port, Map<String, String> environment, Path logDir,
                                               Duration timeout) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                InferenceApplication.class.getName()));
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("MICRONAUT_SERVER_PORT", Integer.toString(port));
        ServiceClient client = new ServiceClient(port);
        return new ServerProcess(name, command, env, logDir.resolve(name + ".log")).start()
                .awaitReady(timeout, () -> answers(client));
    }

    /** Started and ready (/health 200) within {@code timeout}. */
    public static ServerProcess startReady(String name, int port, Map<String, String> environment, Path logDir,
                                           Duration timeout) {
        ServerProcess process = startAnswering(name, port, environment, logDir, timeout);
        ServiceClient client = new ServiceClient(port);
        return process.awaitReady(timeout, () -> {
            try {
                return client.get("/health").status() == 200;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static boolean answers(ServiceClient client) {
        try {
            client.get("/health");
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
