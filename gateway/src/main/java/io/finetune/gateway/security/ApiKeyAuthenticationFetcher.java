package io.finetune.gateway.security;

import io.finetune.gateway.GatewayConfiguration;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.filters.AuthenticationFetcher;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Authenticates a request that carries a configured API key in {@code X-API-Key} or as a Bearer token. */
@Singleton
public class ApiKeyAuthenticationFetcher implements AuthenticationFetcher<HttpRequest<?>> {
    public static final String HEADER = "X-API-Key";
    private static final String BEARER = "Bearer ";

    private final List<byte[]> keys;

    public ApiKeyAuthenticationFetcher(GatewayConfiguration configuration) {
        this.keys = configuration.keys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Override
    public Publisher<Authentication> fetchAuthentication(HttpRequest<?> request) {
        return presentedKey(request)
                .filter(this::accepted)
                .map(k -> Mono.just(Authentication.build("api-key", Map.of("scheme", "api-key"))))
                .orElseGet(Mono::empty);
    }

    /** The key a request presents, if any: {@code X-API-Key} first, then {@code Authorization: Bearer}. */
    public static Optional<String> presentedKey(HttpRequest<?> request) {
        String header = request.getHeaders().get(HEADER);
        if (header != null && !header.isBlank()) {
            return Optional.of(header.trim());
        }
        String authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = authorization.substring(BEARER.length()).trim();
            return token.isEmpty() ? Optional.empty() : Optional.of(token);
        }
        return Optional.empty();
    }

    private boolean accepted(String presented) {
        byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] key : keys) {
            // constant-time comparison, and no early exit, so timing does not reveal which key nearly matched
            match |= MessageDigest.isEqual(key, candidate);
        }
        return match;
    }
}
