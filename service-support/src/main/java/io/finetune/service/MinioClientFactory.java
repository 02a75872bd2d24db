package io.finetune.service;

import io.micronaut.context.annotation.Factory;
import io.minio.MinioClient;
import io.minio.http.HttpUtils;
import jakarta.inject.Singleton;
import okhttp3.ConnectionPool;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

import java.util.List;
import java.util.concurrent.TimeUnit;

@Factory
class MinioClientFactory {
    /** The MinIO SDK's own default for connect, write and read timeouts. */
    private static final long TIMEOUT_MILLIS = TimeUnit.MINUTES.toMillis(5);
    /** Parallel requests to the one MinIO host; OkHttp's default of 5 would cap our upload and download pools. */
    static final int MAX_REQUESTS = 64;

    @Singleton
    MinioClient minioClient(StorageConfiguration storage) {
        MinioClient.Builder builder = MinioClient.builder().endpoint(storage.endpoint())
                .credentials(storage.accessKey(), storage.secretKey());
        if (storage.endpoint().startsWith("http://")) {
            builder.httpClient(plainHttpClient());
        }
        return builder.build();
    }

    /**
     * For an {@code http://} endpoint: no TLS set-up at all. The SDK rebuilds its OkHttpClient for every PUT
     * ({@code retryOnConnectionFailure(false)}), and with TLS configured each rebuild compares the JDK's trust
     * roots: a quarter of the client's CPU per small PUT in a profile of 5 KB uploads. HTTPS endpoints keep the SDK
     * default.
     */
    static OkHttpClient plainHttpClient() {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(MAX_REQUESTS);
        dispatcher.setMaxRequestsPerHost(MAX_REQUESTS);
        return HttpUtils.newDefaultHttpClient(TIMEOUT_MILLIS, TIMEOUT_MILLIS, TIMEOUT_MILLIS).newBuilder()
                .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT))
                .dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(MAX_REQUESTS, 5, TimeUnit.MINUTES))
                .build();
    }
}
