package io.finetune.ml;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shared flower datasets load with their documented layout; skipped when they are absent. */
class SharedDatasetsTest {
    private static Path root() {
        Path root = SharedDatasets.locate().orElse(null);
        Assumptions.assumeTrue(root != null, SharedDatasets.absentMessage());
        return root;
    }

    @Test
    void flower102KeepsItsOwnTrainAndValidationSplits() throws Exception {
        ImageDataset d = ImageFolders.load(root().resolve("flower102"), 0.15, 0, 42);
        assertEquals(102, d.classes().size());
        assertEquals(1020, d.train().size());
        assertEquals(1020, d.validation().size());
        assertEquals(0, d.test().size());
    }

    @Test
    void flower5IsSplitStratifiedFromTheSeed() throws Exception {
        ImageDataset d = ImageFolders.load(root().resolve("flower5"), 0.15, 0.15, 42);
        assertEquals(5, d.classes().size());
        assertEquals(3670, d.train().size() + d.validation().size() + d.test().size());
        assertEquals(95, d.validation().stream().filter(i -> i.label() == 0).count());
    }
}
