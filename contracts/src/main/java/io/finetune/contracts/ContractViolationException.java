package io.finetune.contracts;

import java.util.List;
import java.util.stream.Collectors;

/** A message or document that cannot be accepted; the message names every offending field. */
public class ContractViolationException extends RuntimeException {
    private final transient List<FieldError> errors;

    public ContractViolationException(String type, List<FieldError> errors) {
        super("invalid " + type + ": " + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
