package io.finetune.ml;

import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchitecturesTest {
    private final Architecture seed = Architectures.byName("seed-cnn");

    @Test
    void seedCnnHasTheReferenceParameterCountsAt180Pixels() {
        assertEquals(446_949, seed.parameterCount(180, 5, List.of()));
        assertEquals(453_254, seed.parameterCount(180, 102, List.of()));
        assertEquals(424_614, seed.parameterCount(180, 102, seed.featureLayersUpTo("conv4")));
    }

    @Test
    void seedCnnDefaultCutFreezesTheFourConvolutions() {
        assertEquals("conv4", seed.defaultCutPoint());
        assertEquals(List.of("conv1", "conv2", "conv3", "conv4"), seed.featureLayersUpTo("conv4"));
    }

    @Test
    void residualNetworkHasBatchNormAndGlobalPooling() {
        Architecture res = Architectures.byName("res-cnn");
        assertTrue(res.params(96, 5).get("stem").stream().anyMatch(p -> p.name().equals("stem/mean")));
        assertEquals(1, res.shapes(96, 5).get(res.indexOf("pool") + 1).height());
        assertTrue(res.parameterCount(180, 5, List.of()) < seed.parameterCount(180, 5, List.of()));
    }

    @Test
    void unknownArchitectureAndCutPointSayWhatWasExpected() {
        IllegalArgumentException arch = assertThrows(IllegalArgumentException.class,
                () -> Architectures.byName("vgg99"));
        assertTrue(arch.getMessage().startsWith("expected an architecture of [res-cnn, seed-cnn], found 'vgg99'"),
                arch.getMessage());
        IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
                () -> seed.checkCutPoint("dense1"));
        assertTrue(cut.getMessage().contains("found 'dense1'"), cut.getMessage());
    }

    @Test
    void smallestInputIsComputedFromTheLayers() {
        assertEquals(31, seed.minImageSize());
        assertThrows(IllegalArgumentException.class, () -> seed.shapes(24, 5));
    }

    @Test
    void oneDnnNativeBuildIsLoadedByDefault() {
        assertTrue(NativeBackend.usesOneDnn(), "expected the onednn-avx2 native, found " + NativeBackend.describe());
    }
}
