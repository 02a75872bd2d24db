package io.finetune.gateway.backends;

import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import org.reactivestreams.Publisher;

import java.util.regex.Pattern;

/**
 * Streams dataset archive uploads to the dataset service as they arrive. It runs after the security filter (the
 * route's {@code @Secured} has been checked) and before any controller could bind, and so buffer, the body.
 */
@Filter("/api/v1/datasets/*")
public class DatasetUploadFilter implements HttpServerFilter, Ordered {
    private static final Pattern UPLOAD = Pattern.compile("/api/v1/datasets/([^/]+)");

    private final DatasetProxyController datasets;

    public DatasetUploadFilter(DatasetProxyController datasets) {
        this.datasets = datasets;
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        var m = UPLOAD.matcher(request.getPath());
        if (request.getMethod() != HttpMethod.POST || !m.matches()) {
            return chain.proceed(request);
        }
        return datasets.forward(request, "/datasets/" + DatasetProxyController.name(m.group(1)));
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.after();
    }
}
