package io.finetune.inference;

import io.finetune.testkit.ErrorBodyChecks;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/** A route that always fails, present only when a test enables it: proves how this service answers a fault. */
@Controller(ErrorBodyChecks.FAULT_ROUTE)
@Requires(property = ErrorBodyChecks.FAULT_ROUTE_PROPERTY, value = "true")
public class FaultRoute {
    @Get
    public String fail() {
        throw new IllegalStateException(ErrorBodyChecks.FAULT_SECRET);
    }
}
