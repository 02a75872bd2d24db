package io.finetune.trainer;

import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.TrainingCommand;
import io.finetune.ml.TrainingSpec;

import java.util.List;

/** The checks that need the dataset's classes and the base model's manifest; pure, so unit-tested alone. */
public final class CommandValidator {
    private CommandValidator() {
    }

    /**
     * @param base the base model's manifest for FINETUNE, else null
     * @throws InvalidCommandException naming what is wrong and what was expected
     */
    public static TrainingSpec spec(TrainingCommand command, List<String> datasetClasses, ModelManifest base) {
        if (command.kind() == JobKind.CANCEL) {
            throw new InvalidCommandException("expected a BASE, FINETUNE or SCRATCH command, found CANCEL");
        }
        if (command.kind() == JobKind.FINETUNE) {
            if (base == null) {
                throw new InvalidCommandException("expected the base model's manifest for FINETUNE job "
                        + command.jobId() + ", found none");
            }
            if (!base.architecture().equals(command.architecture())) {
                throw new InvalidCommandException("expected architecture " + base.architecture() + " (that of base "
                        + "model " + base.name() + " " + base.version() + "), found " + command.architecture());
            }
            int size = command.hyperParameters().imageSize();
            if (base.imageSize() != size) {
                throw new InvalidCommandException("expected hyperParameters.imageSize " + base.imageSize()
                        + " (the input size of base model " + base.name() + " " + base.version() + "), found "
                        + size);
            }
        }
        try {
            return TrainingSpec.from(command, datasetClasses);
        } catch (IllegalArgumentException e) {
            throw new InvalidCommandException("invalid command " + command.jobId() + ": " + e.getMessage(), e);
        }
    }
}
