package io.finetune.contracts;

/** One thing wrong with a message or document: the JSON path of the field and what was expected. */
public record FieldError(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
