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
        // the fault and the backend's address stay in the log: the caller learns which service, not how it failed
        return new ApiException(status, "the " + service + " service is unavailable" + (timeout ? " (no answer in time)"
                : "") + "; try again later");
    }

}
