package io.finetune.dataset;

import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.RejectedFile;

import java.util.List;

/**
 * What became of one unique source file of an ingest: its stored images (the original first, then augmented copies),
 * or why it was refused.
 */
record IngestOutcome(SourceFile file, List<DatasetImage> images, RejectedFile rejected) {
    static IngestOutcome refused(SourceFile file, RejectedFile rejected) {
        return new IngestOutcome(file, List.of(), rejected);
    }
}
