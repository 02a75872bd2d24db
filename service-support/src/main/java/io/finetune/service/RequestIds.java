package io.finetune.service;

import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Every request has an id: the caller's {@code X-Request-Id} when it sent a valid one (so the gateway's id follows a
 * request to the backends), else a new one. It is echoed in the response's {@code X-Request-Id} header, written into
 * every error body and logged with every fault, so a caller quoting it finds the log line.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class RequestIds implements Ordered {
    public static final String HEADER = "X-Request-Id";
    private static final String ATTRIBUTE = "finetune.request-id";
    /** What a forwarded id may look like: short and plain, so it is safe in a header, a log line and JSON. */
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    @RequestFilter
    public void assign(HttpRequest<?> request) {
        of(request);
    }

    @ResponseFilter
    public void echo(HttpRequest<?> request, MutableHttpResponse<?> response) {
        response.getHeaders().set(HEADER, of(request));
    }

    /** The request's id, assigned on first use. */
    public static String of(HttpRequest<?> request) {
        return request.getAttribute(ATTRIBUTE, String.class).orElseGet(() -> {
            String sent = request.getHeaders().get(HEADER);
            String id = sent != null && VALID.matcher(sent).matches() ? sent : UUID.randomUUID().toString();
            request.setAttribute(ATTRIBUTE, id);
            return id;
        });
    }

    @Override
    public int getOrder() {
        // before every other filter (security, body limits), so their refusals carry the id too
        return ServerFilterPhase.FIRST.before();
    }
}
