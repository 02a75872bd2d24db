package io.finetune.gateway.backends;

import io.finetune.contracts.ApiError;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.ServingState;
import io.finetune.inference.ModelStatus;
import io.finetune.inference.PredictionResponse;
import io.finetune.inference.RegistryModel;
import io.finetune.inference.ServingRequest;
import io.finetune.service.ApiException;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.multipart.CompletedFileUpload;
import io.micronaut.http.HttpHeaders;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static io.finetune.contracts.ObjectLayout.NAME_REGEX;
import static io.micronaut.http.MediaType.APPLICATION_JSON;

/**
 * Models, the model registry and predictions, forwarded to the inference service; its answers (and its errors) pass
 * through.
 */
@Controller("/api/v1")
@Tag(name = "models")
public class InferenceController {
    private static final String SERVICE = "inference";
    private static final int DEFAULT_TOP_K = 5;
    private static final String VERSION_REGEX = "^([1-9][0-9]{0,17}|latest)$";
    private static final Pattern VERSION = Pattern.compile(VERSION_REGEX);

    private final InferenceClient client;
    private final String url;

    public InferenceController(InferenceClient client,
                               @Value("${micronaut.http.services.inference.url:${micronaut.http.services.inference.urls}}")
                               String url) {
        this.client = client;
        this.url = url;
    }

    @Get("/models")
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "listModels", summary = "Served models: desired state, and each replica's actual state",
            description = "Per model: requested (latest or the pinned version) and desiredBy (configuration, api, "
                    + "job:<id> or follow-new-models); this replica's state, activeVersion, loadingVersion and "
                    + "refused versions with reasons; replicas: every replica's last report (state, activeVersion, "
                    + "loadingVersion, desiredVersion, inSync, refused, stale).")
    @ApiResponse(responseCode = "200", description = "Every served model",
            content = @Content(mediaType = APPLICATION_JSON,
                    array = @ArraySchema(schema = @Schema(implementation = ModelStatus.class))))
    @ApiResponse(responseCode = "503", description = "The inference service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The inference service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public MutableHttpResponse<byte[]> models() {
        return forward(client::models);
    }

    @Get("/models/{name}")
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "getModel", summary = "One model: its active version and manifest")
    @ApiResponse(responseCode = "200", description = "The model",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ModelStatus.class)))
    @ApiResponse(responseCode = "400", description = "Not a model name",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No such served model",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The inference service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The inference service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public MutableHttpResponse<byte[]> model(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String name) {
        String checked = checkName(name);
        return forward(() -> client.model(checked));
    }

    @Put(value = "/models/{name}/serving", consumes = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Operation(operationId = "serveModel",
            summary = "Serve a model: every inference replica loads it and keeps it across restarts",
            description = "Writes the model's desired serving state to storage; every replica reconciles to it "
                    + "(at once, at start and periodically). Body {\"version\": \"latest\"} (the default: follow "
                    + "new versions) or {\"version\": \"3\"} (pin version 3). Answers the state written; loading "
                    + "goes on in the background (GET /api/v1/models/{name} shows each replica).",
            security = @SecurityRequirement(name = "apiKey"))
    @RequestBody(content = @Content(mediaType = APPLICATION_JSON,
            schema = @Schema(implementation = ServingRequest.class)))
    @ApiResponse(responseCode = "200", description = "The serving state written",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ServingState.class)))
    @ApiResponse(responseCode = "400", description = "Bad model name or version, or a body that is not JSON",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "No valid API key",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No such model or version in the registry",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "409", description = "The model is pinned by the replicas' configuration",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "411", description = "A chunked body (no Content-Length)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "413", description = "A body over finetune.gateway.max-json-bytes",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "415", description = "Not application/json",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The inference service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The inference service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public MutableHttpResponse<byte[]> serve(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String name,
            @Nullable @Body byte[] request) {
        String checked = checkName(name);
        byte[] body = request == null || request.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : request;
        return forward(() -> client.serve(checked, body));
    }

    @Delete("/models/{name}/serving")
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Operation(operationId = "stopServingModel", summary = "Stop serving a model: every inference replica unloads it",
            description = "Writes a serving state that says not to serve the model (kept, so that following new "
                    + "models does not serve it again); its versions are closed once running requests finish.",
            security = @SecurityRequirement(name = "apiKey"))
    @ApiResponse(responseCode = "200", description = "The serving state written",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ServingState.class)))
    @ApiResponse(responseCode = "400", description = "Not a model name",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "No valid API key",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No such model",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "409", description = "The model is pinned by the replicas' configuration",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "411", description = "A chunked body (no Content-Length)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "413", description = "A body over finetune.gateway.max-json-bytes",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The inference service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The inference service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public MutableHttpResponse<byte[]> stopServing(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String name) {
        String checked = checkName(name);
        return forward(() -> client.stopServing(checked));
    }

    @Get("/registry")
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "listRegistry",
            summary = "Every model in the registry with all its versions and their lineage",
            description = "Served or not: per model its latestVersion and every complete version with kind, "
                    + "architecture, classCount, imageSize, parent (the base model version of a FINETUNE), dataset "
                    + "(name and version), test metrics, hyperParameters, pretrained (fileName, sha256, licence, "
                    + "origin of pretrained weights) and serving (ACTIVE, ON_DEMAND, or absent when not loaded).")
    @ApiResponse(responseCode = "200", description = "Every model in the registry",
            content = @Content(mediaType = APPLICATION_JSON,
                    array = @ArraySchema(schema = @Schema(implementation = RegistryModel.class))))
    @ApiResponse(responseCode = "503", description = "The inference service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The inference service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public MutableHttpResponse<byte[]> registry() {
        return forward(client::registry);
    }

    @Get("/registry/{name}")
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "getRegistryModel",
            summary = "One model of the registry: all its versions and their lineage")
    @ApiResponse(responseCode = "200", description = "The model and its versions",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = RegistryModel.class)))
    @ApiResponse(responseCode = "400", description = "Not a model name",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No version of this model is in the registry",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The inference service is unavailable",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The inference service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public MutableHttpResponse<byte[]> registryModel(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String name) {
        String checked = checkName(name);
        return forward(() -> client.registryModel(checked));
    }

    @Post("/predict/{model}")
    @Consumes({MediaType.IMAGE_JPEG, MediaType.IMAGE_PNG, "image/*", MediaType.APPLICATION_OCTET_STREAM})
    @Secured(SecurityRule.IS_AUTHENTICATED) // opened to anonymous callers by PredictionAccessRule when configured
    @Operation(operationId = "predict", summary = "Top-k classes of one image (raw image bytes as the body)",
            description = "With ?version=N, version N of the model answers instead of its served one (loaded on "
                    + "demand, a 503 while it loads for longer than the inference service waits); the answer's "
                    + "version says which version answered.",
            security = @SecurityRequirement(name = "apiKey"))
    @RequestBody(required = true, content = {
            @Content(mediaType = MediaType.IMAGE_JPEG, schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = MediaType.IMAGE_PNG, schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM, schema = @Schema(type = "string",
                    format = "binary"))})
    @ApiResponse(responseCode = "200", description = "The best classes, most probable first",
            content = @Content(mediaType = APPLICATION_JSON,
                    schema = @Schema(implementation = PredictionResponse.class)))
    @ApiResponse(responseCode = "400", description = "Not a model name, a bad topK or version, or an image that "
            + "cannot be decoded (the reason named: CORRUPT_IMAGE, EMPTY_FILE...)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "No valid API key (predictions need one unless the operator "
            + "opened them)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "404", description = "No such model, or no such version of it",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "409", description = "The version named failed its checks",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "411", description = "A chunked body (no Content-Length)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "413", description = "An image over finetune.gateway.max-image-bytes, or with more "
            + "pixels than the inference service decodes",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "415", description = "No Content-Type, or not an image or multipart/form-data, or "
            + "an image format that is not supported",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "The inference service is unavailable or busy decoding "
            + "(Retry-After), or the version named is still loading",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "504", description = "The inference service did not answer in time",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public CompletableFuture<MutableHttpResponse<byte[]>> predict(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String model,
            @Nullable @QueryValue @Parameter(description = "How many classes (default 5)",
                    schema = @Schema(minimum = "1", maximum = "100")) Integer topK,
            @Nullable @QueryValue @Parameter(description = "A version number or latest; default: the served one",
                    schema = @Schema(pattern = VERSION_REGEX)) String version,
            @Header(HttpHeaders.CONTENT_TYPE) @Parameter(hidden = true) String contentType,
            @Body byte[] image) {
        String checked = checkName(model);
        if (version != null && !VERSION.matcher(version).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "version: expected a positive integer or 'latest', found '"
                    + version + "'");
        }
        if (image == null || image.length == 0) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "expected image bytes as the request body, found none");
        }
        if (topK != null && (topK < 1 || topK > 100)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "topK: expected 1 to 100, found " + topK);
        }
        int k = topK == null ? DEFAULT_TOP_K : topK;
        CompletableFuture<HttpResponse<byte[]>> answer;
        try {
            answer = client.predict(checked, k, version, contentType, image);
        } catch (RuntimeException e) { // an open circuit refuses before any future exists
            return CompletableFuture.failedFuture(BackendUnavailable.of(SERVICE, url, e));
        }
        CompletableFuture<MutableHttpResponse<byte[]>> forwarded = new CompletableFuture<>();
        answer.whenComplete((response, fault) -> {
            if (fault == null) {
                forwarded.complete(passThrough(response));
                return;
            }
            Throwable cause = fault instanceof CompletionException && fault.getCause() != null ? fault.getCause()
                    : fault;
            if (cause instanceof HttpClientResponseException e) {
                forwarded.complete(passThrough(errorAnswer(e)));
            } else {
                forwarded.completeExceptionally(BackendUnavailable.of(SERVICE, url, cause));
            }
        });
        return forwarded;
    }

    @Post("/predict/{model}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Secured(SecurityRule.IS_AUTHENTICATED) // opened to anonymous callers by PredictionAccessRule when configured
    @Operation(operationId = "predict", summary = "Top-k classes of one image sent as the multipart part 'file'",
            security = @SecurityRequirement(name = "apiKey"))
    @RequestBody(required = true, content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA,
            schema = @Schema(implementation = ImageUpload.class)))
    @ApiResponse(responseCode = "200", description = "The best classes, most probable first",
            content = @Content(mediaType = APPLICATION_JSON,
                    schema = @Schema(implementation = PredictionResponse.class)))
    // its errors: those of the raw-body operation above, which the document merges this one into
    @ExecuteOn(TaskExecutors.BLOCKING)
    public CompletableFuture<MutableHttpResponse<byte[]>> predictUpload(
            @PathVariable @Parameter(schema = @Schema(pattern = NAME_REGEX)) String model,
            @Nullable @QueryValue @Parameter(description = "How many classes (default 5)",
                    schema = @Schema(minimum = "1", maximum = "100")) Integer topK,
            @Nullable @QueryValue @Parameter(description = "A version number or latest; default: the served one",
                    schema = @Schema(pattern = VERSION_REGEX)) String version,
            @Parameter(hidden = true) CompletedFileUpload file) throws IOException {
        String type = file.getContentType().map(MediaType::toString).orElse(MediaType.APPLICATION_OCTET_STREAM);
        return predict(model, topK, version, type, file.getBytes());
    }

    private MutableHttpResponse<byte[]> forward(Supplier<HttpResponse<byte[]>> call) {
        HttpResponse<byte[]> answer;
        try {
            answer = call.get();
        } catch (HttpClientResponseException e) {
            answer = errorAnswer(e);
        } catch (RuntimeException e) {
            throw BackendUnavailable.of(SERVICE, url, e);
        }
        return passThrough(answer);
    }

    /** The inference service's error answer (status, body and type) as it was sent. */
    private static HttpResponse<byte[]> errorAnswer(HttpClientResponseException e) {
        MutableHttpResponse<byte[]> answer = e.getResponse().getBody(byte[].class)
                .map(b -> HttpResponse.status(e.getStatus()).body(b)
                        .contentType(e.getResponse().getContentType().orElse(MediaType.APPLICATION_JSON_TYPE)))
                .orElseGet(() -> HttpResponse.status(e.getStatus()));
        e.getResponse().getHeaders().findFirst(HttpHeaders.RETRY_AFTER)
                .ifPresent(v -> answer.header(HttpHeaders.RETRY_AFTER, v));
        return answer;
    }

    private static MutableHttpResponse<byte[]> passThrough(HttpResponse<byte[]> answer) {
        MutableHttpResponse<byte[]> response = HttpResponse.status(answer.getStatus());
        // as bytes: a 404 comes back as the error response itself (not thrown), its body not bound as byte[]
        answer.getBody(byte[].class).ifPresent(response::body);
        answer.getContentType().ifPresent(response::contentType);
        // a busy inference service says when to come back; the caller needs that more than the gateway does
        answer.getHeaders().findFirst(HttpHeaders.RETRY_AFTER).ifPresent(v -> response.header(HttpHeaders.RETRY_AFTER,
                v));
        return response;
    }

    static String checkName(String name) {
        if (name == null || !ObjectLayout.NAME.matcher(name).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "model: expected a name of 1-64 lower-case letters, "
                    + "digits, '.', '_' or '-', found '" + name + "'");
        }
        return name;
    }

    /** The multipart body of a prediction, for the OpenAPI document. */
    @Schema(name = "ImageUpload", requiredProperties = "file")
    record ImageUpload(@Schema(type = "string", format = "binary", description = "The image (JPEG or PNG)")
                       String file) {
    }
}
