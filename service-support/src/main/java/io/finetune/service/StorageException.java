package io.finetune.service;

/** Object storage could not be reached or refused an operation: a fault to retry, not the caller's mistake. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
