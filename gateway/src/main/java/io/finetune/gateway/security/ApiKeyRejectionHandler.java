package io.finetune.gateway.security;

import io.finetune.contracts.ApiError;
import io.finetune.gateway.GatewayConfiguration;
import io.finetune.service.ApiErrors;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.security.authentication.AuthorizationException;
import io.micronaut.security.authentication.DefaultAuthorizationExceptionHandler;
import jakarta.inject.Singleton;

/** A refused request gets an {@link ApiError} that says why: no key configured, no key sent, or a wrong key. */
@Produces
@Singleton
@Replaces(DefaultAuthorizationExceptionHandler.class)
public class ApiKeyRejectionHandler implements ExceptionHandler<AuthorizationException, MutableHttpResponse<?>> {
    private final boolean keysConfigured;

    public ApiKeyRejectionHandler(GatewayConfiguration configuration) {
        this.keysConfigured = !configuration.keys().isEmpty();
    }

    @Override
    public MutableHttpResponse<?> handle(HttpRequest request, AuthorizationException exception) {
        HttpStatus status = exception.isForbidden() ? HttpStatus.FORBIDDEN : HttpStatus.UNAUTHORIZED;
        String message;
        if (exception.isForbidden()) {
            message = "the API key is valid but not allowed to " + request.getMethod() + " " + request.getPath();
        } else if (!keysConfigured) {
            message = "this gateway has no API key configured, so " + request.getMethod() + " " + request.getPath()
                    + " is refused: set FINETUNE_GATEWAY_API_KEYS (comma-separated keys) and send one in the "
                    + ApiKeyAuthenticationFetcher.HEADER + " header";
        } else if (ApiKeyAuthenticationFetcher.presentedKey(request).isEmpty()) {
            message = "expected an API key in the " + ApiKeyAuthenticationFetcher.HEADER
                    + " header or as 'Authorization: Bearer <key>', found none";
        } else {
            message = "expected a configured API key, found an unknown key";
        }
        MutableHttpResponse<ApiError> response = ApiErrors.response(request, status, message);
        if (status == HttpStatus.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"finetune\"");
        }
        return response;
    }
}
