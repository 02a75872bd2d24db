package io.finetune.dataset;

import io.finetune.contracts.RejectedFile;

import java.util.List;

/** What a source holds: candidate images, and files refused before any decoding (for example unlabelled). */
public record SourceListing(List<SourceFile> files, List<RejectedFile> rejected) {
    public boolean hasGivenSplits() {
        return files.stream().anyMatch(f -> f.given() != null);
    }
}
