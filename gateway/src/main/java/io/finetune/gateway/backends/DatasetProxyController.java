package io.finetune.gateway.backends;

import io.finetune.contracts.ApiError;
import io.finetune.contracts.ObjectLayout;
import io.finetune.dataset.DatasetVersionView;
import io.finetune.dataset.DatasetView;
import io.finetune.dataset.ImportRequest;
import io.finetune.dataset.IngestAccepted;
import io.finetune.dataset.IngestOptions;
import io.finetune.service.ApiException;
import io.finetune.service.RequestIds;
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
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.ProxyHttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
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

import static io.finetune.contracts.ObjectLayout.NAME_REGEX;
import static io.micronaut.http.MediaType.APPLICATION_JSON;

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
    /** The dataset service's rule for a version in a path (DatasetCatalog): 1 to 999999999, or latest. */
    private static final String VERSION_PATTERN = "^([1-9][0-9]{0,8}|latest)$";
    private static final Pattern VERSION = Pattern.compile(VERSION_PATTERN);

    private final ProxyHttpClient proxy;
    private final URI base;

    public DatasetProxyController(@Client(id = "dataset") ProxyHttpClient proxy,
                                  @Value("${micronaut.http.services.dataset.url}") String url) {
        this.proxy = proxy;
        this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    @Get
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "listDatasets", summary = "Datasets and their versions")
    @ApiResponse(responseCode = "200", description = "Every dataset",
            content = @Content(mediaType = APPLICATION_JSON,
                    array = @ArraySchema(schema = @Schema(implementation = DatasetView.class))))
    @ApiResponse(responseCode = "503", description = "The dataset service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The dataset service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Publisher<MutableHttpResponse<?>> list(HttpRequest<?> request) {
        return forward(request, "/datasets");
    }

    @Get("/{name}")
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "getDataset", summary = "One dataset: its versions")
    @ApiResponse(responseCode = "200", description = "The dataset",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = DatasetView.class)))
    @ApiResponse(responseCode = "400", description = "Not a dataset name",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No version of this dataset",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The dataset service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The dataset service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Publisher<MutableHttpResponse<?>> dataset(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String name, HttpRequest<?> request) {
        return forward(request, "/datasets/" + name(name));
    }

    // the version must be a number or latest, so that /{name}/import is the import route alone (Allow: POST)
    @Get("/{name}/{version:[1-9][0-9]*|latest}")
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "getDatasetVersion",
            summary = "One dataset version: its summary (classes, counts, rejected files, fingerprint)")
    @ApiResponse(responseCode = "200", description = "The version, or the ingest making it",
            content = @Content(mediaType = APPLICATION_JSON,
                    schema = @Schema(implementation = DatasetVersionView.class)))
    @ApiResponse(responseCode = "400", description = "Not a dataset name, or not a version",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No such version",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The dataset service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The dataset service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Publisher<MutableHttpResponse<?>> version(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String name,
                                                     @PathVariable @Parameter(description = "A version number or "
                                                             + "latest", schema = @Schema(pattern = VERSION_PATTERN))
                                                     String version,
                                                     HttpRequest<?> request) {
        if (!VERSION.matcher(version).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "version: expected a positive number or 'latest', found '"
                    + version + "'");
        }
        return forward(request, "/datasets/" + name(name) + "/" + version);
    }

    @Post("/{name}")
    @Consumes(MediaType.ALL)
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Operation(operationId = "uploadDataset",
            summary = "Upload an archive (zip or tar.gz of class folders) as a new version; streamed",
            description = "The body is streamed to the dataset service by DatasetUploadFilter, never buffered.",
            security = @SecurityRequirement(name = "apiKey"))
    @RequestBody(required = true, content = {
            @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = "application/zip", schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = "application/gzip", schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = "application/x-tar", schema = @Schema(type = "string", format = "binary"))})
    @ApiResponse(responseCode = "202", description = "Accepted: the version is being ingested",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = IngestAccepted.class)))
    @ApiResponse(responseCode = "400", description = "Not a dataset name, bad options, or an archive refused (the "
            + "reason named)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "No valid API key",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "413", description = "An archive over the upload limit",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "415", description = "Not an archive content type",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The dataset service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The dataset service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Publisher<MutableHttpResponse<?>> upload(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String name,
            @QueryValue @Nullable @Parameter(description = "Train ratio (ratios split)",
                    schema = @Schema(minimum = "0", maximum = "1")) Double train,
            @QueryValue @Nullable @Parameter(description = "Validation ratio (ratios split)",
                    schema = @Schema(minimum = "0", maximum = "1")) Double validation,
            @QueryValue @Nullable @Parameter(description = "Test ratio (ratios split)",
                    schema = @Schema(minimum = "0", maximum = "1")) Double test,
            @QueryValue @Nullable @Parameter(description = "How images are split",
                    schema = @Schema(allowableValues = {"auto", "given", "ratios"})) String split,
            @QueryValue @Nullable @Parameter(description = "Share of the test split when split=auto",
                    schema = @Schema(minimum = "0", maximum = "1", exclusiveMaximum = true)) Double testFraction,
            @QueryValue @Nullable @Parameter(description = "Seed of the split and augmentation") Long seed,
            @QueryValue @Nullable @Parameter(description = "Keep originals or resized copies",
                    schema = @Schema(allowableValues = {"originals", "resized"})) String storage,
            @QueryValue @Nullable @Parameter(description = "Longest side of resized copies",
                    schema = @Schema(minimum = "16", maximum = "8192")) Integer maxSide,
            @QueryValue @Nullable @Parameter(description = "Augmented copies per training image",
                    schema = @Schema(minimum = "0", maximum = "" + IngestOptions.MAX_AUGMENT_COPIES))
            Integer augmentCopies,
            @QueryValue @Nullable @Parameter(description = "Fewest images a class may have",
                    schema = @Schema(minimum = "1")) Integer minImagesPerClass) {
        // DatasetUploadFilter answers this route before its body is read: no argument here may need the body, or
        // the server would buffer it for this method
        throw new IllegalStateException("expected DatasetUploadFilter to stream POST /api/v1/datasets/" + name);
    }

    @Post("/{name}/import")
    @Consumes(MediaType.APPLICATION_JSON)
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Operation(operationId = "importDataset",
            summary = "Import a folder of class folders visible to the dataset service as a new version",
            security = @SecurityRequirement(name = "apiKey"))
    @RequestBody(required = true, content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = ImportRequest.class)))
    @ApiResponse(responseCode = "202", description = "Accepted: the version is being ingested",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = IngestAccepted.class)))
    @ApiResponse(responseCode = "400", description = "Not a dataset name, bad options, or a path that is not a "
            + "readable folder of class folders",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "No valid API key",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "403", description = "A path outside the dataset service's import roots",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "411", description = "A chunked body (no Content-Length)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "413", description = "A body over finetune.gateway.max-json-bytes",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "415", description = "Not application/json",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The dataset service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The dataset service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Publisher<MutableHttpResponse<?>> importFolder(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String name, HttpRequest<?> request) {
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
                    h.set(RequestIds.HEADER, RequestIds.of(request));
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
