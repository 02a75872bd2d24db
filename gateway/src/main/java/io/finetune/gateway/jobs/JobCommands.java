package io.finetune.gateway.jobs;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ContractValidator;
import io.finetune.contracts.FieldError;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingCommand;
import io.finetune.service.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.http.HttpStatus;
import io.micronaut.context.annotation.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Turns requests into {@link TrainingCommand}s, checks them against the contract's rules and, for a FINETUNE,
 * against its base model, and publishes them; a publish that fails is a 503, and counted.
 * Created at start-up ({@code @Context}) so that the failure counter exports 0 before the first failure.
 */
@Context
public class JobCommands {
    private static final Logger LOG = LoggerFactory.getLogger(JobCommands.class);
    static final String PUBLISH_FAILURES = "finetune.gateway.kafka.publish.failures";

    private final TrainingCommandProducer producer;
    private final BaseModelCheck baseModels;
    private final Counter publishFailures;

    public JobCommands(TrainingCommandProducer producer, BaseModelCheck baseModels, MeterRegistry registry) {
        this.producer = producer;
        this.baseModels = baseModels;
        this.publishFailures = Counter.builder(PUBLISH_FAILURES)
                .description("Kafka sends from the gateway that failed (the request got a 503)")
                .tag("topic", Topics.TRAINING_COMMANDS).register(registry);
    }

    /**
     * Validates against the contract's rules and the base model, and publishes; returns the command sent.
     *
     * @throws ApiException 400 naming every broken field (also as {@code fields} of the error body)
     */
    public TrainingCommand submit(JobRequest request) {
        if (request.kind() == JobKind.CANCEL) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "kind: expected one of BASE, FINETUNE, SCRATCH, found "
                    + "CANCEL (cancel a job with DELETE /api/v1/jobs/{id})");
        }
        String jobId = request.jobId() != null ? request.jobId() : newJobId(request.kind());
        TrainingCommand command = new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, request.kind(),
                request.modelName(), request.dataset(), request.baseModel(), request.architecture(),
                request.hyperParameters(), request.seed(), request.serve());
        List<FieldError> errors = ContractValidator.validate(command);
        if (errors.isEmpty()) {
            errors = baseModels.errors(command);
        }
        if (!errors.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid training request: "
                    + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")), errors);
        }
        publish(command);
        return command;
    }

    public TrainingCommand cancel(String jobId) {
        if (jobId == null || !ObjectLayout.JOB_ID.matcher(jobId).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "jobId: expected 1-128 letters, digits, '.', '_' or '-', "
                    + "found '" + jobId + "'");
        }
        TrainingCommand command = new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.CANCEL, null,
                null, null, null, null, null);
        publish(command);
        return command;
    }

    private void publish(TrainingCommand command) {
        try {
            producer.send(command.jobId(), ContractCodec.encode(command));
        } catch (RuntimeException e) {
            publishFailures.increment();
            LOG.warn("publishing {} for job {} to {} failed", command.kind(), command.jobId(),
                    Topics.TRAINING_COMMANDS, e);
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "the job queue (Kafka) did not accept the "
                    + command.kind() + " command for job " + command.jobId() + "; retry with the same jobId (a job "
                    + "is handled once per jobId)");
        }
    }

    private static String newJobId(JobKind kind) {
        return kind.name().toLowerCase() + "-" + UUID.randomUUID();
    }
}
