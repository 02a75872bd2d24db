package io.finetune.ml;

import io.finetune.contracts.ArchitectureNames;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import io.finetune.ml.net.ParamSpec;
import io.finetune.ml.net.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchitecturesTest {
    private final Architecture seed = Architectures.byName("seed-cnn");

    @Test
    void theRegistryHoldsExactlyTheArchitecturesTheContractsName() {
        assertEquals(ArchitectureNames.ALL, Architectures.names(), "the gateway refuses what contracts do not list");
    }

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
    void residualNetworkHasBatchNormResidualBlocksAndGlobalPooling() {
        Architecture res = Architectures.byName("res-cnn");
        assertTrue(res.params(96, 5).get("conv1").stream().anyMatch(p -> p.name().equals("conv1/mean")));
        assertEquals(List.of("res3/a/W", "res3/a/gamma", "res3/a/beta", "res3/a/mean", "res3/a/var", "res3/b/W",
                "res3/b/gamma", "res3/b/beta", "res3/b/mean", "res3/b/var"),
                res.params(96, 5).get("res3").stream().map(ParamSpec::name).toList());
        assertEquals(1, res.shapes(96, 5).get(res.indexOf("pool") + 1).height());
        assertEquals(new Shape(90, 90, 32), res.shapes(180, 5).get(res.indexOf("conv1") + 1), "strided stem");
        assertEquals(new Shape(12, 12, 128), res.shapes(180, 5).get(res.indexOf("res4") + 1));
        assertEquals("conv4", res.defaultCutPoint());
        // global average pooling: 30k weights after the pool where seed-cnn's flatten feeds 410k
        assertEquals(128 * 128 + 128 + 128 * 102 + 102, res.parameterCount(180, 102, res.featureLayersUpTo("res4")));
        assertTrue(res.parameterCount(180, 102, res.featureLayersUpTo("res4"))
                < seed.parameterCount(180, 102, seed.featureLayersUpTo("conv4")) / 10);
        // the default cut also trains res4: two 3x3x128x128 convolutions with their batch norms
        assertEquals(res.parameterCount(180, 102, res.featureLayersUpTo("res4")) + 2 * (9 * 128 * 128 + 2 * 128),
                res.parameterCount(180, 102, res.featureLayersUpTo("conv4")));
        assertEquals(8, res.minImageSize(), "same padding keeps every map at least 1 px");
    }

    @Test
    void unknownArchitectureAndCutPointSayWhatWasExpected() {
        IllegalArgumentException arch = assertThrows(IllegalArgumentException.class,
                () -> Architectures.byName("vgg99"));
        assertTrue(arch.getMessage().startsWith("expected an architecture of [efficientnet-lite0, efficientnet-lite1, "
                + "efficientnet-lite2, res-cnn, seed-cnn], found 'vgg99'"),
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
