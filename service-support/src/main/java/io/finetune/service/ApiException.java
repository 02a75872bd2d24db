package io.finetune.service;

import io.finetune.contracts.FieldError;
import io.micronaut.http.HttpStatus;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A request that cannot be served, with the status and a message that says what was wrong, and for a body that broke
 * field rules, each broken field.
 */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final List<FieldError> fields;
    private final Duration retryAfter;

    public ApiException(HttpStatus status, String message) {
        this(status, message, List.of());
    }

    public ApiException(HttpStatus status, String message, List<FieldError> fields) {
        this(status, message, fields, null);
    }

    /** A fault of the service ({@code 500}): the message and cause go to the log, the caller gets the request id. */
    public ApiException(HttpStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.fields = List.of();
        this.retryAfter = null;
    }

    private ApiException(HttpStatus status, String message, List<FieldError> fields, Duration retryAfter) {
        super(message);
        this.status = status;
        this.fields = List.copyOf(fields);
        this.retryAfter = retryAfter;
    }

    /** A 503 that tells the caller when to try again ({@code Retry-After}, whole seconds, at least 1). */
    public static ApiException busy(String message, Duration retryAfter) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, message, List.of(), retryAfter);
    }

    /** When the caller should try again, if the service knows. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public HttpStatus status() {
        return status;
    }

    /** The fields the request got wrong; empty when the error is not about fields. */
    public List<FieldError> fields() {
        return fields;
    }
}
