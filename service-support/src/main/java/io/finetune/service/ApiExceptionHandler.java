package io.finetune.service;

import io.finetune.contracts.ApiError;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@link ApiException} becomes its status with an {@link ApiError} body (with its fields, if any, and
 * {@code Retry-After} when the exception says when to retry). A 500 is a fault: its message stays in the log, under
 * the request id; other statuses (503 busy, 4xx) carry the message the service wrote for the caller.
 */
@Produces
@Singleton
@Requires(classes = {ApiException.class, ExceptionHandler.class})
public class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<ApiError>> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ApiException e) {
        if (e.status() == HttpStatus.INTERNAL_SERVER_ERROR) {
            return ApiErrors.fault(request, e.status(), e);
        }
        if (e.status().getCode() >= 500) {
            LOG.warn("request {}: {} {} answered {}: {}", RequestIds.of(request), request.getMethod(),
                    request.getPath(), e.status().getCode(), e.getMessage());
        }
        MutableHttpResponse<ApiError> response = ApiErrors.response(request, e.status(), e.getMessage(), e.fields());
        e.retryAfter().ifPresent(d -> response.header(HttpHeaders.RETRY_AFTER,
                Long.toString(Math.max(1, (d.toMillis() + 999) / 1000))));
        return response;
    }
}
