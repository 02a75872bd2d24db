package io.finetune.service;

import io.finetune.contracts.ApiError;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;

import java.util.stream.Collectors;

/**
 * Micronaut's own errors (no route 404, wrong method 405, unsupported type 415, unreadable JSON, a body too large,
 * and any 5xx it makes) as an {@link ApiError}, always JSON (never the HTML page a browser's {@code Accept} would
 * get from the default processor, which this bean replaces).
 */
@Singleton
public class ApiErrorResponses implements ErrorResponseProcessor<ApiError> {
    @Override
    public MutableHttpResponse<ApiError> processResponse(ErrorContext context, MutableHttpResponse<?> baseResponse) {
        HttpStatus status = baseResponse.getStatus();
        ApiError body = status.getCode() >= 500
                ? ApiErrors.faultBody(context.getRequest(), status, context.getRootCause().orElse(null))
                : ApiErrors.body(context.getRequest(), status, message(context, status), null);
        return baseResponse.contentType(MediaType.APPLICATION_JSON_TYPE).body(body);
    }

    private static String message(ErrorContext context, HttpStatus status) {
        if (!context.hasErrors()) {
            return status.getReason();
        }
        return context.getErrors().stream().map(ApiErrorResponses::describe).collect(Collectors.joining("; "));
    }

    private static String describe(Error error) {
        return error.getPath().map(p -> p + ": " + error.getMessage()).orElse(error.getMessage());
    }
}
