package io.finetune.ml.weights;

import io.finetune.ml.Npy;
import io.finetune.ml.SharedFixtures;
import io.finetune.ml.SharedWeights;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import io.finetune.ml.net.Engine;
import io.finetune.ml.net.InferenceGraph;
import io.finetune.ml.net.Network;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The imported backbones compute what PyTorch computes: on each reference input tensor, the pooled features and
 * the logits equal the PyTorch reference within 1e-4 (absolute). A wrong padding rule, batch-norm epsilon, layout
 * conversion or name mapping moves them by far more (symmetric padding: up to 2.8 in the logits).
 */
@Tag("slow")
class EfficientNetParityTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"efficientnet-lite0, AUTO", "efficientnet-lite0, SAMEDIFF", "efficientnet-lite1, AUTO",
            "efficientnet-lite2, AUTO"})
    void featuresAndLogitsMatchThePyTorchReference(String name, Engine engine) throws Exception {
        Path dir = name.equals(Architectures.EFFICIENTNET_LITE0) ? SharedFixtures.weights(name)
                : SharedWeights.backbone(name).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(dir != null, name + " weights not present (optional)");
        Architecture arch = Architectures.byName(name);
        BackboneImporter.Imported imported = BackboneImporter.read(dir.resolve(SharedWeights.WEIGHTS_FILE), arch,
                null, null);
        assertEquals(1000, imported.numClasses());
        int size = arch.input().nativeImageSize();
        Network net = Network.of(arch, size, imported.numClasses(), imported.params(), name);
        int top = arch.indexOf("top") + 1;
        InferenceGraph features = net.inferenceGraph(0, top, engine);
        InferenceGraph logits = net.inferenceGraph(0, arch.layers().size(), engine);
        List<Path> inputs;
        try (Stream<Path> files = Files.list(dir.resolve("reference"))) {
            inputs = files.filter(p -> p.getFileName().toString().endsWith(".input_nhwc.npy")).sorted().toList();
        }
        assertEquals(4, inputs.size(), "reference inputs in " + dir);
        for (Path input : inputs) {
            String stem = input.getFileName().toString().replace(".input_nhwc.npy", "");
            Npy x = Npy.read(input);
            assertEquals(List.of(1L, (long) size, (long) size, 3L), java.util.Arrays.stream(x.shape()).boxed().toList());
            INDArray batch = Nd4j.create(x.values(), x.shape(), 'c');
            assertClose(Npy.read(dir.resolve("reference/" + stem + ".features.npy")).values(),
                    features.output(batch), name + " " + engine + " features of " + stem);
            assertClose(Npy.read(dir.resolve("reference/" + stem + ".logits.npy")).values(),
                    logits.output(batch), name + " " + engine + " logits of " + stem);
        }
    }

    static void assertClose(float[] expected, INDArray actual, String what) {
        float[] a = actual.dup('c').data().asFloat();
        assertEquals(expected.length, a.length, what + ": length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(expected[i] - a[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= TOLERANCE, what + ": max |diff| " + worst + " at " + at + " (expected "
                + (at < 0 ? "" : expected[at]) + ", found " + (at < 0 ? "" : a[at]) + ")");
    }
}
