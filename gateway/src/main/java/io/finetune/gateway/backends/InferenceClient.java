package io.finetune.gateway.backends;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.retry.annotation.CircuitBreaker;

import java.util.concurrent.CompletableFuture;

/**
 * The inference service's public API ({@code micronaut.http.services.inference.*}: url and timeouts). Faults
 * (refused connection, timeout) are retried for the idempotent reads and open the circuit; an error answer from
 * the service (4xx/5xx) is neither retried nor counted, it is the caller's to forward.
 */
@Client(id = "inference")
public interface InferenceClient {
    @Get(value = "/models", produces = MediaType.APPLICATION_JSON)
    @CircuitBreaker(attempts = "${finetune.gateway.backends.read-retries:2}", delay = "100ms", multiplier = "2",
            reset = "${finetune.gateway.backends.circuit-reset:10s}", excludes = HttpClientResponseException.class)
    HttpResponse<byte[]> models();

    @Get(value = "/models/{name}", produces = MediaType.APPLICATION_JSON)
    @CircuitBreaker(attempts = "${finetune.gateway.backends.read-retries:2}", delay = "100ms", multiplier = "2",
            reset = "${finetune.gateway.backends.circuit-reset:10s}", excludes = HttpClientResponseException.class)
    HttpResponse<byte[]> model(String name);

    @Get(value = "/registry", produces = MediaType.APPLICATION_JSON)
    @CircuitBreaker(attempts = "${finetune.gateway.backends.read-retries:2}", delay = "100ms", multiplier = "2",
            reset = "${finetune.gateway.backends.circuit-reset:10s}", excludes = HttpClientResponseException.class)
    HttpResponse<byte[]> registry();

    @Get(value = "/registry/{name}", produces = MediaType.APPLICATION_JSON)
    @CircuitBreaker(attempts = "${finetune.gateway.backends.read-retries:2}", delay = "100ms", multiplier = "2",
            reset = "${finetune.gateway.backends.circuit-reset:10s}", excludes = HttpClientResponseException.class)
    HttpResponse<byte[]> registryModel(String name);

    /** Writes the desired serving state; not retried (the caller sees the fault and may ask again: idempotent). */
    @Put(value = "/models/{name}/serving", produces = MediaType.APPLICATION_JSON,
            consumes = MediaType.APPLICATION_JSON)
    @CircuitBreaker(attempts = "0", reset = "${finetune.gateway.backends.circuit-reset:10s}",
            excludes = HttpClientResponseException.class)
    HttpResponse<byte[]> serve(String name, @Body byte[] request);

    @Delete(value = "/models/{name}/serving", consumes = MediaType.APPLICATION_JSON)
    @CircuitBreaker(attempts = "0", reset = "${finetune.gateway.backends.circuit-reset:10s}",
            excludes = HttpClientResponseException.class)
    HttpResponse<byte[]> stopServing(String name);

    /**
     * Asynchronous, so that a prediction holds no thread while the inference service computes (the gateway answers
     * from the HTTP client's event loop, without a hand-over to a worker thread and back). Not retried: a
     * prediction is cheap to ask again but slow to answer twice while the caller waits. (An argument
     * named {@code version} would be taken for Micronaut's API version, hence {@code modelVersion}.)
     *
     * @param modelVersion the {@code version} to answer with; null for the model's served version
     */
    @Post(value = "/predict/{model}", processes = MediaType.ALL)
    @CircuitBreaker(attempts = "0", reset = "${finetune.gateway.backends.circuit-reset:10s}",
            excludes = HttpClientResponseException.class)
    CompletableFuture<HttpResponse<byte[]>> predict(String model, @QueryValue int topK,
                                                    @Nullable @QueryValue("version") String modelVersion,
                                                    @Header(HttpHeaders.CONTENT_TYPE) String contentType,
                                                    @Body byte[] image);
}
