package io.finetune.service;

import io.finetune.contracts.ApiError;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.http.server.exceptions.ContentLengthExceededHandler;
import io.micronaut.http.server.exceptions.ConversionErrorHandler;
import io.micronaut.http.server.exceptions.DuplicateRouteHandler;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.http.server.exceptions.HttpStatusHandler;
import io.micronaut.http.server.exceptions.UnsatisfiedRouteHandler;
import io.micronaut.web.router.exceptions.DuplicateRouteException;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import jakarta.inject.Singleton;

/**
 * Errors raised by the framework before a controller runs (wrong content type, body too large, a query value of the
 * wrong type, a missing parameter or part) as an {@link ApiError} that says what was expected and what was found,
 * and any other exception as a 500 that hides it (logged under the request id).
 */
final class FrameworkErrors {
    private FrameworkErrors() {
    }

    @Produces
    @Singleton
    @Replaces(HttpStatusHandler.class)
    static final class StatusErrors implements ExceptionHandler<HttpStatusException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, HttpStatusException e) {
            HttpStatus status = e.getStatus();
            if (status.getCode() >= 500) {
                return ApiErrors.fault(request, status, e);
            }
            String message = status == HttpStatus.UNSUPPORTED_MEDIA_TYPE
                    ? "expected a content type this route accepts, found " + request.getContentType()
                    .map(Object::toString).orElse("none") + " (" + e.getMessage() + ")"
                    : e.getMessage();
            return ApiErrors.response(request, status, message);
        }
    }

    @Produces
    @Singleton
    @Replaces(ContentLengthExceededHandler.class)
    static final class TooLarge implements ExceptionHandler<ContentLengthExceededException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, ContentLengthExceededException e) {
            return ApiErrors.response(request, HttpStatus.REQUEST_ENTITY_TOO_LARGE, "TOO_LARGE: " + e.getMessage());
        }
    }

    @Produces
    @Singleton
    @Replaces(ConversionErrorHandler.class)
    static final class BadValue implements ExceptionHandler<ConversionErrorException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, ConversionErrorException e) {
            return ApiErrors.response(request, HttpStatus.BAD_REQUEST, "expected " + e.getArgument().getName()
                    + " of type " + e.getArgument().getType().getSimpleName() + ", found: " + e.getConversionError()
                    .getOriginalValue().map(Object::toString).orElse("an invalid value"));
        }
    }

    @Produces
    @Singleton
    @Replaces(UnsatisfiedRouteHandler.class)
    static final class Missing implements ExceptionHandler<UnsatisfiedRouteException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, UnsatisfiedRouteException e) {
            return ApiErrors.response(request, HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    /**
     * Routes on one path told apart by the body's Content-Type (raw image bytes or a multipart form): a request
     * without one cannot choose, and is told to send one (415) rather than that "more than 1 route matched".
     */
    @Produces
    @Singleton
    @Replaces(DuplicateRouteHandler.class)
    static final class Ambiguous implements ExceptionHandler<DuplicateRouteException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, DuplicateRouteException e) {
            if (request.getContentType().isEmpty()) {
                return ApiErrors.response(request, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "expected a Content-Type "
                        + "header naming what the body is (" + request.getMethod() + " " + request.getPath()
                        + " takes more than one), found none");
            }
            return ApiErrors.response(request, HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    /** Anything no other handler knows is a fault of the service: logged with the request id, never sent. */
    @Produces
    @Singleton
    static final class Unexpected implements ExceptionHandler<Exception, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, Exception e) {
            return ApiErrors.fault(request, HttpStatus.INTERNAL_SERVER_ERROR, e);
        }
    }
}
