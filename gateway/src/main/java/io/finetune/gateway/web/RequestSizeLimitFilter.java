package io.finetune.gateway.web;

import io.finetune.contracts.ApiError;
import io.finetune.gateway.GatewayConfiguration;
import io.finetune.service.ApiErrors;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;

/**
 * Per-route body limits, checked from {@code Content-Length} before anything is read: small JSON for jobs and
 * imports, an image for predictions, an archive for dataset uploads. A chunked body (no length to check) is refused
 * with 411 on the routes with small limits; only dataset uploads stream a chunked body, capped by
 * {@code micronaut.server.max-request-size} (their own limit).
 */
@ServerFilter("/api/**")
public class RequestSizeLimitFilter implements Ordered {
    private final GatewayConfiguration configuration;

    public RequestSizeLimitFilter(GatewayConfiguration configuration) {
        this.configuration = configuration;
    }

    @RequestFilter
    @Nullable
    public HttpResponse<ApiError> limit(HttpRequest<?> request) {
        long length = request.getContentLength();
        if (request.getMethod() == HttpMethod.GET) {
            return null;
        }
        long max = limitFor(request.getPath());
        if (length < 0) {
            if (max < configuration.maxUploadBytes() && request.getHeaders().contains(HttpHeaders.TRANSFER_ENCODING)) {
                return ApiErrors.response(request, HttpStatus.LENGTH_REQUIRED, "expected a Content-Length of at most "
                        + max + " bytes for " + request.getPath() + ", found a body without one (Transfer-Encoding: "
                        + request.getHeaders().get(HttpHeaders.TRANSFER_ENCODING) + ")");
            }
            return null;
        }
        if (length <= max) {
            return null;
        }
        return ApiErrors.response(request, HttpStatus.REQUEST_ENTITY_TOO_LARGE, "expected a request body of at most "
                + max + " bytes for " + request.getPath() + ", found " + length + " bytes");
    }

    long limitFor(String path) {
        if (path.startsWith("/api/v1/predict/")) {
            return configuration.maxImageBytes();
        }
        if (path.startsWith("/api/v1/datasets/") && !path.endsWith("/import")) {
            return configuration.maxUploadBytes();
        }
        return configuration.maxJsonBytes();
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.FIRST.order();
    }
}
