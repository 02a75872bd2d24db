package io.finetune.service;

import io.finetune.contracts.FieldError;
import io.micronaut.http.HttpStatus;

import java.util.List;

/**
 * A request that cannot be served, with the status and a message that says what was wrong, and for a body that broke
 * field rules, each broken field.
 */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final List<FieldError> fields;

    public ApiException(HttpStatus status, String message) {
        this(status, message, List.of());
    }

    public ApiException(HttpStatus status, String message, List<FieldError> fields) {
        super(message);
        this.status = status;
        this.fields = List.copyOf(fields);
    }

    public HttpStatus status() {
        return status;
    }

    /** The fields the request got wrong; empty when the error is not about fields. */
    public List<FieldError> fields() {
        return fields;
    }
}
