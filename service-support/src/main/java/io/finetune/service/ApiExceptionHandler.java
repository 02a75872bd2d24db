package io.finetune.service;

import io.finetune.contracts.ApiError;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Every {@link ApiException} becomes its status with an {@link ApiError} JSON body (with its fields, if any,
 * and {@code Retry-After} when the exception says when to retry). */
@Produces
@Singleton
@Requires(classes = {ApiException.class, ExceptionHandler.class})
public class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ApiException e) {
        MutableHttpResponse<ApiError> response = HttpResponse.<ApiError>status(e.status())
                .body(new ApiError(e.status().getCode(), e.status().getReason(), e.getMessage(), request.getPath(),
                        e.fields().isEmpty() ? null : e.fields()));
        e.retryAfter().ifPresent(d -> response.header(HttpHeaders.RETRY_AFTER,
                Long.toString(Math.max(1, (d.toMillis() + 999) / 1000))));
        return response;
    }
}
