package io.finetune.ml;

import io.finetune.contracts.DatasetRef;
import io.finetune.ml.weights.NamedArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Test helpers around model packages. */
final class Packages {
    private Packages() {
    }

    static Path write(TrainedModel model, Path dir) throws IOException {
        model.writePackage(dir, "test-model", "1", null, new DatasetRef("synthetic", "1"), "sha256:test");
        return dir;
    }

    static Map<String, INDArray> weights(Path packageDir) throws IOException {
        return NamedArrays.read(packageDir.resolve(ModelPackages.WEIGHTS));
    }

    static double maxDifference(INDArray a, INDArray b) {
        assertEquals(a.length(), b.length());
        return a.sub(b).amaxNumber().doubleValue();
    }
}
