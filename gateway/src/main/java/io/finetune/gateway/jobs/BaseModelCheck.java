package io.finetune.gateway.jobs;

import io.finetune.contracts.FieldError;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.TrainingCommand;
import io.finetune.gateway.backends.InferenceClient;
import io.finetune.gateway.backends.RegisteredModel;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A FINETUNE keeps its base model's architecture and input size: when the registry knows the base, a command that
 * asks for another is refused here, naming the field, instead of failing in the trainer later. A base the registry
 * does not know yet (or a registry that does not answer) is left to the trainer, which checks again.
 */
@Singleton
public class BaseModelCheck {
    private static final Logger LOG = LoggerFactory.getLogger(BaseModelCheck.class);

    private final InferenceClient inference;
    private final JsonMapper json;

    public BaseModelCheck(InferenceClient inference, JsonMapper json) {
        this.inference = inference;
        this.json = json;
    }

    /** What the command gets wrong about its base model; empty when nothing, or when the base is unknown here. */
    public List<FieldError> errors(TrainingCommand command) {
        ModelRef base = command.baseModel();
        if (command.kind() != JobKind.FINETUNE || base == null) {
            return List.of();
        }
        Optional<RegisteredModel> model = registered(base.name());
        if (model.isEmpty()) {
            return List.of();
        }
        String wanted = "latest".equals(base.version()) ? model.get().latestVersion() : base.version();
        Optional<RegisteredModel.Version> version = model.get().versions().stream()
                .filter(v -> v.version().equals(wanted)).findFirst();
        if (version.isEmpty()) {
            return List.of(new FieldError("baseModel.version", "expected 'latest' or a version of model "
                    + base.name() + " (one of " + model.get().versions().stream().map(RegisteredModel.Version::version)
                    .toList() + "), found '" + base.version() + "'"));
        }
        RegisteredModel.Version v = version.get();
        String which = "base model " + base.name() + " version " + v.version();
        List<FieldError> errors = new ArrayList<>();
        if (!v.architecture().equals(command.architecture())) {
            errors.add(new FieldError("architecture", "expected " + v.architecture() + " (the architecture of "
                    + which + "), found " + command.architecture()));
        }
        int size = command.hyperParameters().imageSize();
        if (v.imageSize() != size) {
            errors.add(new FieldError("hyperParameters.imageSize", "expected " + v.imageSize() + " (the input size of "
                    + which + "), found " + size));
        }
        return errors;
    }

    private Optional<RegisteredModel> registered(String name) {
        try {
            byte[] body = inference.registryModel(name).body();
            return body == null ? Optional.empty() : Optional.of(json.readValue(body, RegisteredModel.class));
        } catch (HttpClientResponseException e) {
            if (e.getStatus() != HttpStatus.NOT_FOUND) {
                LOG.info("base model {} not checked: the registry answered {}", name, e.getStatus());
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.info("base model {} not checked (the trainer will): the registry is unavailable: {}", name,
                    e.getMessage());
            return Optional.empty();
        }
    }
}
