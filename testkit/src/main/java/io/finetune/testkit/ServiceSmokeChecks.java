package io.finetune.testkit;

import java.io.IOException;
import java.net.http.HttpResponse;

/** What every service promises from its first day: a healthy /health and JVM metrics on /prometheus. */
public final class ServiceSmokeChecks {
    private ServiceSmokeChecks() {
    }

    /** Throws {@link AssertionError} naming what is missing. */
    public static void assertHealthyWithPrometheus(int port) throws IOException {
        String base = "http://127.0.0.1:" + port;
        HttpResponse<String> health = HttpProbe.get(base + "/health");
        if (health.statusCode() != 200 || !health.body().contains("\"UP\"")) {
            throw new AssertionError("expected /health 200 with status UP, found " + health.statusCode() + " "
                    + health.body());
        }
        HttpResponse<String> metrics = HttpProbe.get(base + "/prometheus");
        if (metrics.statusCode() != 200 || !metrics.body().contains("jvm_memory_used_bytes")) {
            throw new AssertionError("expected /prometheus 200 with JVM metrics (jvm_memory_used_bytes), found "
                    + metrics.statusCode());
        }
    }
}
