package io.finetune.trainer;

/** The command cannot be run as given (the sender's fault): reported as FAILED with this message, never retried. */
public class InvalidCommandException extends RuntimeException {
    public InvalidCommandException(String message) {
        super(message);
    }

    public InvalidCommandException(String message, Throwable cause) {
        super(message, cause);
    }
}
