package io.finetune.service;

import io.micronaut.http.HttpStatus;

/** A request that cannot be served, with the status and a message that says what was wrong. */
public class ApiException extends RuntimeException {
    private final HttpStatus status;

    public ApiException(HttpStatus status, String message) {
        super(message);
        this.status = status;
    }

    public HttpStatus status() {
        return status;
    }
}
