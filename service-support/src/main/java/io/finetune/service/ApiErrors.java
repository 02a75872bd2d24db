package io.finetune.service;

import io.finetune.contracts.ApiError;
import io.finetune.contracts.FieldError;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The one way an error answer is made, by every service: an {@link ApiError} with the request's id. A 4xx says what
 * was wrong; a 500 says only "internal error" and the id, and the fault is logged under that id, never sent.
 */
public final class ApiErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {
    }

    public static ApiError body(HttpRequest<?> request, HttpStatus status, String message,
                                @Nullable List<FieldError> fields) {
        return new ApiError(status.getCode(), status.getReason(), message, request.getPath(), RequestIds.of(request),
                fields == null || fields.isEmpty() ? null : List.copyOf(fields));
    }

    public static MutableHttpResponse<ApiError> response(HttpRequest<?> request, HttpStatus status, String message) {
        return response(request, status, message, null);
    }

    public static MutableHttpResponse<ApiError> response(HttpRequest<?> request, HttpStatus status, String message,
                                                         @Nullable List<FieldError> fields) {
        return HttpResponse.<ApiError>status(status).contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(body(request, status, message, fields));
    }

    /** A fault of the service: logged with the request id, answered with the id and nothing of the fault. */
    public static MutableHttpResponse<ApiError> fault(HttpRequest<?> request, HttpStatus status,
                                                      @Nullable Throwable fault) {
        return HttpResponse.<ApiError>status(status).contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(faultBody(request, status, fault));
    }

    static ApiError faultBody(HttpRequest<?> request, HttpStatus status, @Nullable Throwable fault) {
        String id = RequestIds.of(request);
        LOG.error("request {}: {} {} failed with {}", id, request.getMethod(), request.getPath(), status.getCode(),
                fault);
        return body(request, status, genericMessage(id), null);
    }

    public static String genericMessage(String requestId) {
        return "internal error; quote request id " + requestId;
    }
}
