package io.finetune.imaging;

import io.finetune.contracts.RejectReason;

/** An input that is not a usable image; {@link #reason()} says which rule it broke, the message says how. */
public class ImageRejectedException extends Exception {
    private final RejectReason reason;

    public ImageRejectedException(RejectReason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public ImageRejectedException(RejectReason reason, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
