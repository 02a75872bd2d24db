package io.finetune.gateway.security;

import io.finetune.gateway.GatewayConfiguration;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecuredAnnotationRule;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.security.rules.SecurityRuleResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * Opens predictions to anonymous callers when {@code finetune.gateway.public-predictions} is true; otherwise it
 * has no opinion and the controller's {@code @Secured(IS_AUTHENTICATED)} applies.
 */
@Singleton
public class PredictionAccessRule implements SecurityRule<HttpRequest<?>> {
    public static final String PREDICT_PREFIX = "/api/v1/predict/";

    private final boolean publicPredictions;

    public PredictionAccessRule(GatewayConfiguration configuration) {
        this.publicPredictions = configuration.publicPredictions();
    }

    @Override
    public Publisher<SecurityRuleResult> check(@Nullable HttpRequest<?> request,
                                               @Nullable Authentication authentication) {
        if (publicPredictions && request != null && request.getMethod() == HttpMethod.POST
                && request.getPath().startsWith(PREDICT_PREFIX)) {
            return Mono.just(SecurityRuleResult.ALLOWED);
        }
        return Mono.just(SecurityRuleResult.UNKNOWN);
    }

    @Override
    public int getOrder() {
        return SecuredAnnotationRule.ORDER - 1;
    }
}
