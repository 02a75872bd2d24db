package io.finetune.demo;

/** The demo cannot go on; the message says what is wrong and what to do. */
public class DemoException extends RuntimeException {
    public DemoException(String message) {
        super(message);
    }

    public DemoException(String message, Throwable cause) {
        super(message, cause);
    }
}
