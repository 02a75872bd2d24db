package io.finetune.ml;

/** A run stopped at a batch boundary because its listener asked; the last complete checkpoint is kept. */
public class TrainingCancelledException extends Exception {
    public TrainingCancelledException() {
        super("training cancelled");
    }

    public TrainingCancelledException(String message) {
        super(message);
    }
}
