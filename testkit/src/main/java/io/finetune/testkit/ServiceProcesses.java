package io.finetune.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a service as its own JVM (so that a test can SIGKILL it), on the calling test's classpath, with the
 * environment given, and waits for its health endpoint.
 */
public final class ServiceProcesses {
    private ServiceProcesses() {
    }

    public static ServerProcess start(String name, String mainClass, int port, Map<String, String> environment,
                                      Path logDir, String... jvmArgs) {
        return start(name, mainClass, port, port, environment, logDir, jvmArgs);
    }

    /** As above, for a service whose health endpoint answers on a management port of its own (the gateway). */
    public static ServerProcess start(String name, String mainClass, int port, int healthPort,
                                      Map<String, String> environment, Path logDir, String... jvmArgs) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g"));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("MICRONAUT_SERVER_PORT", Integer.toString(port));
        ServerProcess process = new ServerProcess(name, command, env, logDir.resolve(name + ".log"));
        return process.start().awaitReady(Duration.ofSeconds(120), () -> healthy("http://127.0.0.1:" + healthPort));
    }

    public static boolean healthy(String baseUrl) {
        return HttpProbe.ok(baseUrl + "/health");
    }
}
