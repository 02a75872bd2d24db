package io.finetune.gateway.backends;

import io.finetune.contracts.ApiError;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ApiException;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.ProxyHttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * Datasets, forwarded to the dataset service. Only these routes are forwarded, to paths built from checked names,
 * so nothing else of the service (its management endpoints) is reachable. Bodies are streamed through: an archive
 * upload is never held in the gateway's memory. The caller's API key is not passed on; {@code X-Forwarded-Prefix}
 * is, so that the status URL of an accepted ingest is the gateway's ({@code /api/v1/datasets/{name}/{version}}).
 */
@Controller("/api/v1/datasets")
@Tag(name = "datasets")
public class DatasetProxyController {
    private static final String SERVICE = "dataset";
    private static final String FORWARDED_PREFIX = "X-Forwarded-Prefix";
    private static final String API_PREFIX = "/api/v1";
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}|latest");

    private final ProxyHttpClient proxy;
    private final URI base;

    public DatasetProxyController(@Client(id = "dataset") ProxyHttpClient proxy,
                                  @Value("${micronaut.http.services.dataset.url}") String url) {
        this.proxy = proxy;
        this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    @Get
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(summary = "Datasets and their versions")
    @ApiResponse(responseCode = "503", description = "The dataset service is unavailable",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Publisher<MutableHttpResponse<?>> list(HttpRequest<?> request) {
        return forward(request, "/datasets");
    }

    @Get("/{name}")
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(summary = "One dataset: its versions")
    public Publisher<MutableHttpResponse<?>> dataset(@PathVariable String name, HttpRequest<?> request) {
        return forward(request, "/datasets/" + name(name));
    }

    @Get("/{name}/{version}")
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(summary = "One dataset version: its summary (classes, counts, rejected files, fingerprint)")
    public Publisher<MutableHttpResponse<?>> version(@PathVariable String name, @PathVariable String version,
                                                     HttpRequest<?> request) {
        if (!VERSION.matcher(version).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "version: expected a number or 'latest', found '"
                    + version + "'");
        }
        return forward(request, "/datasets/" + name(name) + "/" + version);
    }

    @Post("/{name}")
    @Consumes(MediaType.ALL)
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Operation(summary = "Upload an archive (zip or tar.gz of class folders) as a new version; streamed",
            description = "The body is streamed to the dataset service by DatasetUploadFilter, never buffered.",
            security = @SecurityRequirement(name = "apiKey"))
    @RequestBody(content = @Content(mediaType = "application/octet-stream",
            schema = @Schema(type = "string", format = "binary")))
    public Publisher<MutableHttpResponse<?>> upload(@PathVariable String name) {
        // DatasetUploadFilter answers this route before its body is read: no argument here may need the body, or
        // the server would buffer it for this method
        throw new IllegalStateException("expected DatasetUploadFilter to stream POST /api/v1/datasets/" + name);
    }

    @Post("/{name}/import")
    @Consumes(MediaType.APPLICATION_JSON)
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Operation(summary = "Import a folder of class folders visible to the dataset service as a new version",
            security = @SecurityRequirement(name = "apiKey"))
    @RequestBody(content = @Content(mediaType = "application/json",
            schema = @Schema(type = "object", example = "{\"path\": \"/data/flowers\"}")))
    public Publisher<MutableHttpResponse<?>> importFolder(@PathVariable String name, HttpRequest<?> request) {
        return forward(request, "/datasets/" + name(name) + "/import");
    }

    Publisher<MutableHttpResponse<?>> forward(HttpRequest<?> request, String path) {
        String query = request.getUri().getRawQuery();
        URI target = URI.create(base + path + (query == null ? "" : "?" + query));
        HttpRequest<?> outgoing = request.mutate().uri(target)
                .headers(h -> {
                    h.remove("X-API-Key");
                    h.remove(HttpHeaders.AUTHORIZATION);
                    h.remove(HttpHeaders.COOKIE);
                    // the dataset service's status URLs then name the gateway's paths (/api/v1/datasets/...)
                    h.set(FORWARDED_PREFIX, API_PREFIX);
                });
        return Flux.from(proxy.proxy(outgoing))
                .onErrorMap(e -> !(e instanceof ApiException), e -> BackendUnavailable.of(SERVICE, base.toString(), e));
    }

    static String name(String name) {
        if (name == null || !ObjectLayout.NAME.matcher(name).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "dataset: expected a name of 1-64 lower-case letters, "
                    + "digits, '.', '_' or '-', found '" + name + "'");
        }
        return name;
    }
}
