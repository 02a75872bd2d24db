package io.finetune.gateway;

import io.finetune.testkit.ErrorBodyChecks;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

/** A route that always fails, present only when a test enables it: proves how this service answers a fault. */
@Controller(ErrorBodyChecks.FAULT_ROUTE)
@Requires(property = ErrorBodyChecks.FAULT_ROUTE_PROPERTY, value = "true")
@Secured(SecurityRule.IS_ANONYMOUS)
public class FaultRoute {
    @Get
    public String fail() {
        throw new IllegalStateException(ErrorBodyChecks.FAULT_SECRET);
    }
}
