package io.finetune.gateway.backends;

import io.finetune.service.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.client.exceptions.ReadTimeoutException;

/** A backend that could not be reached or did not answer in time: a 503 (or 504) that names it. */
final class BackendUnavailable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BackendUnavailable.class);
    private BackendUnavailable() {
    }

    static ApiException of(String service, String url, Throwable fault) {
        LOG.warn("the {} service at {} is unavailable", service, url, fault);
        boolean timeout = fault instanceof ReadTimeoutException || fault.getCause() instanceof ReadTimeoutException;
        HttpStatus status = timeout ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.SERVICE_UNAVAILABLE;
        return new ApiException(status, "the " + service + " service at " + url + " is unavailable ("
                + describe(fault) + "); try again later");
    }

    private static String describe(Throwable fault) {
        Throwable t = fault;
        StringBuilder text = new StringBuilder();
        while (t != null && text.length() < 300) {
            if (t.getMessage() != null && !text.toString().contains(t.getMessage())) {
                text.append(text.isEmpty() ? "" : ": ").append(t.getMessage());
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return text.isEmpty() ? fault.getClass().getSimpleName() : text.toString();
    }
}
