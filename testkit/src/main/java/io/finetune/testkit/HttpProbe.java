package io.finetune.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP GETs for readiness checks and smoke tests against servers on loopback. */
public final class HttpProbe {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HttpProbe() {
    }

    /** True when {@code url} answers 200 within two seconds; false on any refusal or error. */
    public static boolean ok(String url) {
        try {
            return get(url).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    public static HttpResponse<String> get(String url) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling " + url, e);
        }
    }
}
