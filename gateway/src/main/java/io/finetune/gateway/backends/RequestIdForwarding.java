package io.finetune.gateway.backends;

import io.finetune.service.RequestIds;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.ClientFilter;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.context.ServerRequestContext;

/**
 * Every call to a backend carries the id of the request that caused it ({@code X-Request-Id}), so one id names a
 * request in the gateway's log, the backend's log and the error body the caller gets.
 */
@ClientFilter(serviceId = {"inference", "dataset"})
public class RequestIdForwarding {
    @RequestFilter
    public void forward(MutableHttpRequest<?> outgoing) {
        ServerRequestContext.currentRequest().ifPresent(incoming -> outgoing.getHeaders().set(RequestIds.HEADER,
                RequestIds.of(incoming)));
    }
}
