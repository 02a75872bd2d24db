package io.finetune.ml.weights;

import io.finetune.ml.net.WeightsFile;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named float32 arrays on disk, as this project stores weights, optimizer state and checkpoints: safetensors (so a
 * package opens in Python tools too), while files in the earlier {@code FTW1} format keep loading.
 */
public final class NamedArrays {
    private static final int LEGACY_MAGIC = 0x46545731;

    private NamedArrays() {
    }

    public static Map<String, INDArray> read(Path file) throws IOException {
        if (isLegacy(file)) {
            return WeightsFile.read(file);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (Safetensors.Reader reader = Safetensors.open(file)) {
            for (Safetensors.TensorInfo t : reader.tensors().values()) {
                out.put(t.name(), Nd4j.create(reader.floats(t.name()), t.shape(), 'c'));
            }
        }
        return out;
    }

    /** Writes safetensors (complete or absent: through a temporary file and a rename). */
    public static void write(Path file, Map<String, INDArray> arrays, Map<String, String> metadata)
            throws IOException {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        arrays.forEach((name, a) -> tensors.put(name, new Safetensors.Tensor(a.shape(),
                a.castTo(DataType.FLOAT).dup('c').data().asFloat())));
        Safetensors.write(file, tensors, metadata);
    }

    private static boolean isLegacy(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("expected a weights file at " + file + ", found none");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && new DataInputStream(new java.io.ByteArrayInputStream(head)).readInt()
                    == LEGACY_MAGIC;
        }
    }
}
