package io.finetune.inference;

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
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.http.server.exceptions.HttpStatusHandler;
import io.micronaut.http.server.exceptions.UnsatisfiedRouteHandler;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors raised by the framework before a controller runs (no route, wrong content type, body too large, a query
 * value of the wrong type, a missing part) answer the same {@link ApiError} JSON as the service's own errors.
 */
final class FrameworkErrors {
    private FrameworkErrors() {
    }

    static HttpResponse<ApiError> error(HttpRequest<?> request, HttpStatus status, String message) {
        return HttpResponse.<ApiError>status(status).body(new ApiError(status.getCode(), status.getReason(), message,
                request.getPath()));
    }

    @Produces
    @Singleton
    @Replaces(HttpStatusHandler.class)
    static final class StatusErrors implements ExceptionHandler<HttpStatusException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, HttpStatusException e) {
            HttpStatus status = e.getStatus();
            String message = status == HttpStatus.UNSUPPORTED_MEDIA_TYPE ? "expected content type image/jpeg, "
                    + "image/png, application/octet-stream or multipart/form-data, found "
                    + request.getContentType().map(Object::toString).orElse("none") : e.getMessage();
            return error(request, status, message);
        }
    }

    @Produces
    @Singleton
    @Replaces(ContentLengthExceededHandler.class)
    static final class TooLarge implements ExceptionHandler<ContentLengthExceededException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, ContentLengthExceededException e) {
            return error(request, HttpStatus.REQUEST_ENTITY_TOO_LARGE, "TOO_LARGE: " + e.getMessage());
        }
    }

    @Produces
    @Singleton
    @Replaces(ConversionErrorHandler.class)
    static final class BadValue implements ExceptionHandler<ConversionErrorException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, ConversionErrorException e) {
            return error(request, HttpStatus.BAD_REQUEST, "expected " + e.getArgument().getName() + " of type "
                    + e.getArgument().getType().getSimpleName() + ", found: " + e.getConversionError().getOriginalValue()
                    .map(Object::toString).orElse("an invalid value"));
        }
    }

    /** Anything else is a fault of the service: logged, and still answered as an ApiError. */
    @Produces
    @Singleton
    static final class Unexpected implements ExceptionHandler<RuntimeException, HttpResponse<ApiError>> {
        private static final Logger LOG = LoggerFactory.getLogger(Unexpected.class);

        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, RuntimeException e) {
            LOG.error("{} {} failed", request.getMethod(), request.getPath(), e);
            return error(request, HttpStatus.INTERNAL_SERVER_ERROR, "unexpected failure: " + e);
        }
    }

    @Produces
    @Singleton
    @Replaces(UnsatisfiedRouteHandler.class)
    static final class Missing implements ExceptionHandler<UnsatisfiedRouteException, HttpResponse<ApiError>> {
        @Override
        public HttpResponse<ApiError> handle(HttpRequest request, UnsatisfiedRouteException e) {
            return error(request, HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }
}
