package io.finetune.trainer;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ContractViolationException;
import io.finetune.contracts.FieldError;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.TrainingCommand;

import java.util.List;
import java.util.Set;

/**
 * What a command record turned out to be. A record that names a job (valid {@code jobId}, known schema version) but
 * breaks a contract rule is an {@link Invalid} command that the job's owner reports as FAILED; anything that cannot
 * be tied to a job is {@link Unparseable} and goes to the dead-letter topic.
 */
public sealed interface DecodedCommand {
    record Valid(TrainingCommand command) implements DecodedCommand {
    }

    record Invalid(TrainingCommand command, String reason) implements DecodedCommand {
    }

    record Unparseable(String error) implements DecodedCommand {
    }

    /** Fields without which no FAILED event can be addressed to a job. */
    Set<String> IDENTITY = Set.of("$", "schemaVersion", "jobId", "kind");

    static DecodedCommand of(byte[] value) {
        try {
            return new Valid(ContractCodec.decode(value, TrainingCommand.class));
        } catch (ContractViolationException e) {
            List<FieldError> errors = e.errors();
            if (errors.stream().anyMatch(f -> IDENTITY.contains(f.field()))) {
                return new Unparseable(e.getMessage());
            }
            TrainingCommand tolerant;
            try {
                tolerant = ContractCodec.read(value, TrainingCommand.class);
            } catch (ContractViolationException notEvenTolerant) {
                return new Unparseable(e.getMessage());
            }
            if (tolerant.jobId() == null || !ObjectLayout.JOB_ID.matcher(tolerant.jobId()).matches()
                    || tolerant.kind() == null) {
                return new Unparseable(e.getMessage());
            }
            return new Invalid(tolerant, e.getMessage());
        }
    }
}
