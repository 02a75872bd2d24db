package io.finetune.ml;

import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.Normalization;
import io.finetune.imaging.ImageDecoder;
import io.finetune.ml.data.Preprocessor;
import io.finetune.ml.net.Architectures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A manifest.json written by the first release (fixtures/manifest-v1.json) must keep loading. */
class ManifestFixtureTest {
    @TempDir
    Path tmp;

    @Test
    void firstReleaseManifestStillDecodesAndRebuildsPreprocessing() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/fixtures/manifest-v1.json")) {
            assertNotNull(in, "fixture missing");
            Files.copy(in, tmp.resolve(ModelPackages.MANIFEST));
        }
        ModelManifest m = ModelPackages.readManifest(tmp);
        assertEquals("flowers-base", m.name());
        assertEquals(JobKind.BASE, m.kind());
        assertEquals(List.of("daisy", "dandelion", "roses", "sunflowers", "tulips"), m.classes());
        assertEquals(64, m.imageSize());
        assertEquals(ModelPackages.LEGACY_WEIGHTS, m.modelFile());
        assertArrayEquals(Normalization.UNIT_RGB_NHWC.mean(), m.normalization().mean());
        assertEquals(1, m.history().size());
        assertEquals(551, m.test().examples());
        assertEquals(5, Architectures.byName(m.architecture()).shapes(m.imageSize(), m.classes().size())
                .get(7).channels());
        assertEquals(64, new Preprocessor(new ImageDecoder(), m.imageSize(), m.normalization()).imageSize());
    }
}
