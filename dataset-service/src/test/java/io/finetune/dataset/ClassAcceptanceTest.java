package io.finetune.dataset;

import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.RejectReason;
import io.finetune.contracts.RejectedFile;
import io.finetune.contracts.Split;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassAcceptanceTest {
    private static IngestOutcome stored(String file, String cls, String sha) {
        DatasetImage image = new DatasetImage("datasets/d/1/train/" + cls + "/" + sha + ".jpg", cls, Split.TRAIN, sha,
                8, 8, file, null, null, "datasets/d/1/shards/0", 0L, 10L);
        return new IngestOutcome(new SourceFile(Path.of(file), file, cls, null), List.of(image), null);
    }

    private static List<IngestOutcome> classes(int... sizes) {
        List<IngestOutcome> out = new ArrayList<>();
        for (int c = 0; c < sizes.length; c++) {
            for (int i = 0; i < sizes[c]; i++) {
                out.add(stored("c" + c + "/" + i + ".jpg", "c" + c, String.format("%064d", c * 100 + i)));
            }
        }
        return out;
    }

    @Test
    void aStoredImageMetTwiceIsKeptOnceAndTheSecondSourceIsADuplicate() throws Exception {
        List<IngestOutcome> outcomes = classes(2, 2);
        outcomes.add(stored("c1/copy.jpg", "c1", String.format("%064d", 100)));
        ClassAcceptance.Accepted a = ClassAcceptance.accept(outcomes, 2, 0);
        assertEquals(4, a.images().size());
        assertEquals(List.of(RejectReason.DUPLICATE), a.rejections().stream().map(RejectedFile::reason).toList());
        assertTrue(a.rejections().get(0).detail().contains("c1/0.jpg"), a.rejections().get(0).detail());
        assertEquals(1, a.orphans().size(), "the duplicate's bytes are not kept");
    }

    @Test
    void aClassBelowTheMinimumIsRejectedWholeAndItsBytesAreOrphans() throws Exception {
        ClassAcceptance.Accepted a = ClassAcceptance.accept(classes(3, 3, 1), 2, 0);
        assertEquals(6, a.images().size());
        assertEquals(1, a.rejections().size());
        assertEquals(RejectReason.CLASS_TOO_SMALL, a.rejections().get(0).reason());
        assertEquals(1, a.orphans().size());
        List<String> keys = a.images().stream().map(DatasetImage::key).toList();
        assertEquals(keys.stream().sorted().toList(), keys, "sorted by key");
    }

    @Test
    void fewerThanTwoClassesLeftFailsNamingTheSmallOnesAndTheRejectedCount() {
        List<IngestOutcome> outcomes = classes(3, 1);
        outcomes.add(IngestOutcome.refused(new SourceFile(Path.of("c0/bad.jpg"), "c0/bad.jpg", "c0", null),
                new RejectedFile("c0/bad.jpg", RejectReason.CORRUPT_IMAGE, "bad")));
        IngestFailedException e = assertThrows(IngestFailedException.class,
                () -> ClassAcceptance.accept(outcomes, 2, 4));
        assertEquals("expected at least 2 classes with at least 2 valid images each, found 1; too small: c1 (1); "
                + "6 file(s) rejected", e.getMessage());
    }
}
