package io.finetune.dataset;

/** An uploaded archive that is refused whole (zip-slip, links, bombs, too many entries, unreadable). */
public class ArchiveRejectedException extends Exception {
    public ArchiveRejectedException(String message) {
        super(message);
    }

    public ArchiveRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
