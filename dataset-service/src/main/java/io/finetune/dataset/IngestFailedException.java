package io.finetune.dataset;

/** The input, taken as a whole, cannot make a dataset (for example fewer than two usable classes). */
public class IngestFailedException extends Exception {
    public IngestFailedException(String message) {
        super(message);
    }
}
