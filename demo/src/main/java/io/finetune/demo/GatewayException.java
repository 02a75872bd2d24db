package io.finetune.demo;

/** The gateway answered with an error status; {@link #status()} says which. */
public class GatewayException extends DemoException {
    private final int status;

    public GatewayException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
