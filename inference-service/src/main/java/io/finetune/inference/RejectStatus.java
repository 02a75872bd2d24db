package io.finetune.inference;

import io.finetune.imaging.ImageRejectedException;
import io.finetune.service.ApiException;
import io.micronaut.http.HttpStatus;

/** The one mapping from a rejected image to an HTTP status: all are the caller's fault, so all are 4xx. */
final class RejectStatus {
    private RejectStatus() {
    }

    static HttpStatus of(ImageRejectedException e) {
        return switch (e.reason()) {
            case TOO_LARGE, TOO_MANY_PIXELS -> HttpStatus.REQUEST_ENTITY_TOO_LARGE;
            case UNSUPPORTED_FORMAT -> HttpStatus.UNSUPPORTED_MEDIA_TYPE;
            default -> HttpStatus.BAD_REQUEST;
        };
    }

    /** {@code what} names the image in a batch (for example "image 2 (b.png)"), or is empty for a single image. */
    static ApiException toApi(ImageRejectedException e, String what) {
        return new ApiException(of(e), e.reason() + ": " + (what.isEmpty() ? "" : what + ": ") + e.getMessage());
    }
}
