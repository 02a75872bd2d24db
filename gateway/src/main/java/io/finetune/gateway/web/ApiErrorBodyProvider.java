package io.finetune.gateway.web;

import io.finetune.contracts.ApiError;
import io.micronaut.context.annotation.Primary;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.JsonErrorResponseBodyProvider;
import jakarta.inject.Singleton;

import java.util.stream.Collectors;

/**
 * Micronaut's own errors (unknown route, wrong method, unreadable JSON, failed validation, body too large) as an
 * {@link ApiError}, the one error shape of the API.
 */
@Primary
@Singleton
public class ApiErrorBodyProvider implements JsonErrorResponseBodyProvider<ApiError> {
    @Override
    public ApiError body(ErrorContext context, HttpResponse<?> response) {
        String message = context.hasErrors()
                ? context.getErrors().stream().map(ApiErrorBodyProvider::describe).collect(Collectors.joining("; "))
                : response.getStatus().getReason();
        return new ApiError(response.code(), response.getStatus().getReason(), message,
                context.getRequest().getPath());
    }

    private static String describe(Error error) {
        return error.getPath().map(p -> p + ": " + error.getMessage()).orElse(error.getMessage());
    }
}
