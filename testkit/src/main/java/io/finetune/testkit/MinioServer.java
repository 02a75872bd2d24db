package io.finetune.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The real MinIO server binary as a child process, with its data in a folder. Restartable on the same port. */
public final class MinioServer extends RestartableServer {
    public static final String ACCESS_KEY = "finetune";
    public static final String SECRET_KEY = "finetune-secret";
    private final int port;

    private MinioServer(int port, ServerProcess process) {
        super(process, Duration.ofSeconds(60));
        this.port = port;
    }

    public static MinioServer start(Path dir) {
        Path binary = binary().orElseThrow(() -> new IllegalStateException("expected the MinIO server binary, "
                + "found none: set MINIO_BIN, put 'minio' on PATH, or run './finetune setup' (it builds MinIO with "
                + "'go install github.com/minio/minio@<pinned>'; Go 1.24 or newer is needed)"));
        int port = FreePorts.next();
        int console = FreePorts.next();
        try {
            Files.createDirectories(dir.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ServerProcess process = new ServerProcess("MinIO", List.of(binary.toString(), "server",
                dir.resolve("data").toString(), "--address", "127.0.0.1:" + port, "--console-address",
                "127.0.0.1:" + console, "--quiet"),
                Map.of("MINIO_ROOT_USER", ACCESS_KEY, "MINIO_ROOT_PASSWORD", SECRET_KEY,
                        "MINIO_BROWSER", "off", "MINIO_UPDATE", "off"), dir.resolve("minio.log"));
        MinioServer server = new MinioServer(port, process);
        server.startProcess();
        return server;
    }

    @Override
    protected boolean serving() {
        return live(endpoint());
    }

    public static Optional<Path> binary() {
        String env = System.getenv("MINIO_BIN");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "minio");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        for (Path candidate : List.of(Path.of(System.getProperty("user.home"), "go", "bin", "minio"),
                RepositoryLayout.root().resolve(".local/bin/minio"))) {
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static boolean live(String endpoint) {
        return HttpProbe.ok(endpoint + "/minio/health/live");
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }
}
