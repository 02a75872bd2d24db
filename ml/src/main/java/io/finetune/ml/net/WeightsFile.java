package io.finetune.ml.net;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named float32 arrays in one file: magic {@code FTW1}, count, then per array its name, rank, shape and values in
 * C order. Independent of ND4J's serialization so a package stays readable across library versions.
 */
public final class WeightsFile {
    private static final int MAGIC = 0x46545731;

    private WeightsFile() {
    }

    public static void write(Path file, Map<String, INDArray> arrays) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file),
                1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(arrays.size());
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                out.writeUTF(e.getKey());
                long[] shape = e.getValue().shape();
                out.writeInt(shape.length);
                for (long d : shape) {
                    out.writeLong(d);
                }
                for (float f : e.getValue().castTo(DataType.FLOAT).dup('c').data().asFloat()) {
                    out.writeFloat(f);
                }
            }
        }
    }

    public static Map<String, INDArray> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("expected a weights file at " + file + ", found none");
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IOException("expected a finetune weights file (FTW1) at " + file + ", found magic 0x"
                        + Integer.toHexString(magic));
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                int rank = in.readInt();
                if (rank < 0 || rank > 8) {
                    throw new IOException("expected rank 0-8 for " + name + " in " + file + ", found " + rank);
                }
                long[] shape = new long[rank];
                long n = 1;
                for (int d = 0; d < rank; d++) {
                    shape[d] = in.readLong();
                    n *= shape[d];
                }
                if (n < 0 || n > Integer.MAX_VALUE) {
                    throw new IOException("expected a plausible size for " + name + " in " + file + ", found " + n);
                }
                float[] values = new float[(int) n];
                for (int j = 0; j < values.length; j++) {
                    values[j] = in.readFloat();
                }
                arrays.put(name, Nd4j.create(values, shape, 'c'));
            }
        } catch (EOFException e) {
            throw new IOException("expected a complete weights file at " + file + ", found it truncated", e);
        }
        return arrays;
    }
}
