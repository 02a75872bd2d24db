package io.finetune.ml.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.Normalization;
import io.finetune.contracts.ResizeMode;
import io.finetune.imaging.ImageDecoder;
import io.finetune.ml.Npy;
import io.finetune.ml.SharedFixtures;
import io.finetune.ml.data.Preprocessor;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The product's own decoding and preprocessing of the reference images gives the tensors PyTorch was fed: Pillow's
 * bilinear resize of the shorter side to 224, the centred crop, (x - 127) / 128. A stretched resize, an off-by-one
 * crop, another interpolation or ImageNet mean/std move pixels by far more than the tolerance.
 */
class BackbonePreprocessingTest {
    @Test
    void referenceImagesPreprocessToThePyTorchInputs() throws Exception {
        Path weights = SharedFixtures.weights("efficientnet-lite0");
        Path datasets = SharedFixtures.datasets();
        JsonNode reference = new ObjectMapper().readTree(weights.resolve("reference/reference.json").toFile());
        Preprocessor preprocessor = new Preprocessor(new ImageDecoder(), 224, Normalization.EFFICIENTNET_LITE);
        int checked = 0;
        for (JsonNode image : reference.get("images")) {
            String file = image.get("image").asText();
            Path jpeg = datasets.resolve(file);
            String stem = Path.of(file).getParent().getFileName() + "__"
                    + Path.of(file).getFileName().toString().replace(".jpg", "");
            float[] expected = Npy.read(weights.resolve("reference/" + stem + ".input_nhwc.npy")).values();
            byte[] encoded = Files.readAllBytes(jpeg);
            // measured: bit-identical (ImageIO's JPEG decoder and libjpeg-turbo agree on these baseline files)
            assertTrue(maxDifference(expected, preprocessor, encoded) <= 1e-6, stem + " preprocessed as PyTorch's");
            Normalization stretched = new Normalization("RGB", "NHWC", Normalization.EFFICIENTNET_LITE.mean(),
                    Normalization.EFFICIENTNET_LITE.std(), ResizeMode.STRETCH);
            assertTrue(maxDifference(expected, new Preprocessor(new ImageDecoder(), 224, stretched), encoded) > 0.5,
                    "a stretched resize is caught");
            checked++;
        }
        assertEquals(4, checked);
    }

    private static double maxDifference(float[] expected, Preprocessor preprocessor, byte[] encoded)
            throws Exception {
        float[] actual = new float[224 * 224 * 3];
        preprocessor.normalize(preprocessor.pixels(encoded), actual, 0);
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }
}
