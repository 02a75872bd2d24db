package io.finetune.gateway.jobs;

import io.finetune.contracts.ApiError;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.TrainingCommand;
import io.finetune.service.ApiException;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import java.util.List;
import java.util.Optional;

import static io.micronaut.http.MediaType.APPLICATION_JSON;

/** Training jobs: submit and cancel over Kafka, follow them in the view built from the topics. */
@Controller("/api/v1/jobs")
@Tag(name = "jobs")
@ExecuteOn(TaskExecutors.BLOCKING)
public class JobsController {
    private final JobCommands commands;
    private final JobViewStore view;
    private final JobHistory history;

    public JobsController(JobCommands commands, JobViewStore view, JobHistory history) {
        this.commands = commands;
        this.view = view;
        this.history = history;
    }

    @Post
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Operation(operationId = "submitJob", summary = "Submit a training job (BASE, FINETUNE or SCRATCH)",
            security = @SecurityRequirement(name = "apiKey"))
    @ApiResponse(responseCode = "202", description = "Published to the training commands topic",
            content = @Content(mediaType = APPLICATION_JSON,
                    schema = @Schema(implementation = JobSubmission.class)))
    @ApiResponse(responseCode = "400", description = "Invalid request: each broken field in fields",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "No valid API key",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "411", description = "A chunked body (no Content-Length)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "413", description = "A body over finetune.gateway.max-json-bytes",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "415", description = "Not application/json",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "Kafka did not accept the command",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<JobSubmission> submit(@Body @Valid JobRequest request) {
        TrainingCommand command = commands.submit(request);
        return accepted(command.jobId(), "SUBMITTED");
    }

    @Delete("/{id}")
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Operation(operationId = "cancelJob",
            summary = "Cancel a training job (publishes CANCEL)", security = @SecurityRequirement(name = "apiKey"))
    @ApiResponse(responseCode = "202", description = "CANCEL published",
            content = @Content(mediaType = APPLICATION_JSON,
                    schema = @Schema(implementation = JobSubmission.class)))
    @ApiResponse(responseCode = "400", description = "Not a job id",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "401", description = "No valid API key",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "411", description = "A chunked body (no Content-Length)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "413", description = "A body over finetune.gateway.max-json-bytes",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "Kafka did not accept the command",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public HttpResponse<JobSubmission> cancel(
            @PathVariable @Parameter(schema = @Schema(pattern = ObjectLayout.JOB_ID_REGEX)) String id) {
        TrainingCommand command = commands.cancel(id);
        return accepted(command.jobId(), "CANCEL_REQUESTED");
    }

    @Get
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "listJobs", summary = "Jobs, newest first, with state and per-epoch metrics")
    @ApiResponse(responseCode = "200", description = "At most limit jobs, newest first",
            content = @Content(mediaType = APPLICATION_JSON,
                    array = @ArraySchema(schema = @Schema(implementation = JobView.class))))
    @ApiResponse(responseCode = "400", description = "limit is not a number from 1 to 1000",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public List<JobView> list(@QueryValue(defaultValue = "100") @Min(1) @Max(1000)
                              @Parameter(required = false, description = "How many jobs (default 100)",
                                      schema = @Schema(defaultValue = "100", minimum = "1", maximum = "1000"))
                              int limit) {
        return view.list(limit);
    }

    @Get("/{id}")
    @Secured(SecurityRule.IS_ANONYMOUS)
    @Operation(operationId = "getJob", summary = "One job: state and per-epoch metrics history")
    @ApiResponse(responseCode = "200", description = "The job",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @ApiResponse(responseCode = "404", description = "No command or event for this job has been seen",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @ApiResponse(responseCode = "503", description = "A job dropped from memory could not be read back in time "
            + "(Retry-After)",
            content = @Content(mediaType = APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public JobView get(@PathVariable String id) {
        Optional<JobView> job = view.get(id);
        if (job.isEmpty() && view.wasEvicted(id)) {
            job = history.read(id); // finished long ago: dropped from memory, read back from the topics
        }
        return job.orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "no job '" + id + "': no "
                + "command or event with this jobId is on the training topics"));
    }

    private static HttpResponse<JobSubmission> accepted(String jobId, String status) {
        String url = "/api/v1/jobs/" + jobId;
        return HttpResponse.status(HttpStatus.ACCEPTED).<JobSubmission>body(new JobSubmission(jobId, status, url))
                .header("Location", url);
    }
}
