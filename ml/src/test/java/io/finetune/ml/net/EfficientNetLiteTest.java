package io.finetune.ml.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.ml.SharedWeights;
import io.finetune.ml.net.MobileLayers.MBConv;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The EfficientNet-Lite block tables: parameter counts as published, and the shipped config.json when present. */
class EfficientNetLiteTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"efficientnet-lite0, 224, 16, 4652008", "efficientnet-lite1, 240, 21, 5416680",
            "efficientnet-lite2, 260, 21, 6092072"})
    void blockCountAndParameterCountMatchThePublishedNetworks(String name, int size, int blocks, long parameters) {
        Architecture a = Architectures.byName(name);
        assertEquals(size, a.input().nativeImageSize());
        assertEquals(blocks, a.layers().stream().filter(l -> l instanceof MBConv).count());
        assertEquals(parameters, a.parameterCount(size, 1000, List.of()), "trainable parameters with 1000 classes");
        assertEquals("top", a.defaultCutPoint());
        assertEquals(a.layers().size() - 1, a.cutPoints().size(), "every feature layer is a cut point");
        assertEquals(List.of(1280L), List.of(a.shapes(size, 1000).get(a.indexOf("top") + 1).size()));
    }

    @Test
    void widthRoundingFollowsTensorFlow() {
        assertEquals(24, EfficientNetLite.roundFilters(24, 1.1));
        assertEquals(48, EfficientNetLite.roundFilters(40, 1.1));
        assertEquals(120, EfficientNetLite.roundFilters(112, 1.1));
        assertEquals(208, EfficientNetLite.roundFilters(192, 1.1));
        assertEquals(16, EfficientNetLite.roundFilters(16, 1.1));
    }

    @Test
    void samePaddingPutsTheOddPixelAfter() {
        assertArrayEquals(new int[]{0, 1}, MobileLayers.samePadding(224, 3, 2));
        assertArrayEquals(new int[]{1, 2}, MobileLayers.samePadding(56, 5, 2));
        assertArrayEquals(new int[]{2, 2}, MobileLayers.samePadding(65, 5, 2));
        assertArrayEquals(new int[]{1, 1}, MobileLayers.samePadding(7, 3, 1));
        assertArrayEquals(new int[]{0, 0}, MobileLayers.samePadding(7, 1, 1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"})
    void blockTableMatchesTheShippedConfig(String name) throws Exception {
        Path dir = SharedWeights.backbone(name).orElse(null);
        Assumptions.assumeTrue(dir != null, SharedWeights.absentMessage());
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        Architecture a = Architectures.byName(name);
        int size = config.get("global_params").get("resolution").asInt();
        List<Shape> shapes = a.shapes(size, 1000);
        JsonNode blocks = config.get("blocks");
        int first = a.indexOf("block0");
        for (int i = 0; i < blocks.size(); i++) {
            JsonNode b = blocks.get(i);
            MBConv layer = assertInstanceOf(MBConv.class, a.layers().get(first + i));
            Shape in = shapes.get(first + i);
            String at = name + " block " + i;
            assertEquals(b.get("in_channels").asInt(), in.channels(), at + " in");
            assertEquals(b.get("input_hw").get(0).asInt(), in.height(), at + " input size");
            assertEquals(b.get("out_channels").asInt(), layer.filters(), at + " out");
            assertEquals(b.get("expand_ratio").asInt(), layer.expandRatio(), at + " expand");
            assertEquals(b.get("kernel").asInt(), layer.kernel(), at + " kernel");
            assertEquals(b.get("stride").asInt(), layer.stride(), at + " stride");
            assertEquals(b.get("residual").asBoolean(), layer.residual(in), at + " residual");
            JsonNode pad = b.get("depthwise").get("conv").get("padding_at_native_resolution");
            assertArrayEquals(new int[]{pad.get("top").asInt(), pad.get("bottom").asInt()},
                    MobileLayers.samePadding(in.height(), layer.kernel(), layer.stride()), at + " padding");
        }
        assertEquals(blocks.size(), a.indexOf("top") - first);
    }
}
