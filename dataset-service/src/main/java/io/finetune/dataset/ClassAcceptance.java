package io.finetune.dataset;

import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.RejectReason;
import io.finetune.contracts.RejectedFile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The acceptance rules that need every outcome of an ingest at once: a stored image met twice (two sources that
 * normalize to the same bytes) is kept once, classes below the minimum are rejected whole, and at least two classes
 * must remain. Pure: it decides, the ingest writes.
 */
final class ClassAcceptance {
    /**
     * @param images     the images the version keeps, sorted by key
     * @param rejections the files refused here (decode failures carried by the outcomes, duplicates, small classes)
     * @param orphans    images whose bytes were packed into shards but are not kept (to be cut out)
     */
    record Accepted(List<DatasetImage> images, List<RejectedFile> rejections, List<DatasetImage> orphans) {
    }

    private ClassAcceptance() {
    }

    /**
     * @param alreadyRejected files refused before decoding (listing, hashing, duplicates), counted in the message
     *                        when too few classes remain
     * @throws IngestFailedException fewer than two classes with {@code minImagesPerClass} accepted images
     */
    static Accepted accept(List<IngestOutcome> outcomes, int minImagesPerClass, int alreadyRejected)
            throws IngestFailedException {
        List<RejectedFile> rejections = new ArrayList<>();
        Map<String, IngestOutcome> byStoredSha = new HashMap<>();
        Map<String, List<IngestOutcome>> byClass = new TreeMap<>();
        Set<String> keptKeys = new TreeSet<>();
        List<DatasetImage> orphans = new ArrayList<>();
        for (IngestOutcome o : outcomes) {
            if (o.rejected() != null) {
                rejections.add(o.rejected());
                continue;
            }
            DatasetImage original = o.images().get(0);
            IngestOutcome kept = byStoredSha.putIfAbsent(original.sha256(), o);
            if (kept != null) {
                rejections.add(new RejectedFile(o.file().name(), RejectReason.DUPLICATE, "stores the same image "
                        + "(sha256 " + original.sha256().substring(0, 12) + "...) as " + kept.file().name()
                        + ", stored once"));
                orphans.addAll(o.images());
                continue;
            }
            byClass.computeIfAbsent(o.file().className(), c -> new ArrayList<>()).add(o);
        }
        List<DatasetImage> images = new ArrayList<>();
        List<String> small = new ArrayList<>();
        for (Map.Entry<String, List<IngestOutcome>> e : byClass.entrySet()) {
            if (e.getValue().size() < minImagesPerClass) {
                small.add(e.getKey() + " (" + e.getValue().size() + ")");
                for (IngestOutcome o : e.getValue()) {
                    rejections.add(new RejectedFile(o.file().name(), RejectReason.CLASS_TOO_SMALL, "class '"
                            + e.getKey() + "' has " + e.getValue().size() + " accepted image(s), expected at least "
                            + minImagesPerClass));
                    orphans.addAll(o.images());
                }
                continue;
            }
            for (IngestOutcome o : e.getValue()) {
                for (DatasetImage i : o.images()) {
                    if (keptKeys.add(i.key())) {
                        images.add(i);
                    }
                }
            }
        }
        long classes = byClass.size() - small.size();
        if (classes < 2) {
            throw new IngestFailedException("expected at least 2 classes with at least " + minImagesPerClass
                    + " valid images each, found " + classes + (small.isEmpty() ? "" : "; too small: "
                    + String.join(", ", small)) + "; " + (alreadyRejected + rejections.size())
                    + " file(s) rejected");
        }
        images.sort(Comparator.comparing(DatasetImage::key));
        return new Accepted(images, rejections, orphans);
    }
}
