package io.finetune.demo;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MatFileTest {

    /** A level-5 MAT-file as MATLAB writes it, built here byte by byte. */
    static byte[] matFile(boolean compress, Map<String, double[]> variables) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[128];
        Arrays.fill(header, (byte) ' ');
        byte[] text = "MATLAB 5.0 MAT-file, written by a test".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, header, 0, text.length);
        header[124] = 0;
        header[125] = 1;
        header[126] = 'I';
        header[127] = 'M';
        out.writeBytes(header);
        for (var v : variables.entrySet()) {
            byte[] matrix = matrix(v.getKey(), v.getValue());
            if (compress) {
                Deflater d = new Deflater();
                d.setInput(matrix);
                d.finish();
                byte[] buf = new byte[matrix.length + 64];
                int n = d.deflate(buf);
                d.end();
                out.writeBytes(le(15, n));
                out.write(buf, 0, n);
            } else {
                out.writeBytes(matrix);
            }
        }
        return out.toByteArray();
    }

    private static byte[] matrix(String name, double[] values) {
        ByteBuffer body = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        body.putInt(6).putInt(8).putInt(6).putInt(0); // array flags: miUINT32, class double
        body.putInt(5).putInt(8).putInt(1).putInt(values.length); // dimensions 1 x n
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length <= 4) {
            body.putInt((n.length << 16) | 1).put(Arrays.copyOf(n, 4));
        } else {
            body.putInt(1).putInt(n.length).put(n).put(new byte[(8 - n.length % 8) % 8]);
        }
        // values as miUINT16, the way MATLAB stores small integers
        body.putInt(4).putInt(values.length * 2);
        for (double v : values) {
            body.putShort((short) v);
        }
        body.put(new byte[(8 - (values.length * 2) % 8) % 8]);
        byte[] inner = Arrays.copyOf(body.array(), body.position());
        ByteBuffer m = ByteBuffer.allocate(8 + inner.length).order(ByteOrder.LITTLE_ENDIAN);
        m.putInt(14).putInt(inner.length).put(inner);
        return m.array();
    }

    private static byte[] le(int a, int b) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(a).putInt(b).array();
    }

    @Test
    void readsCompressedAndUncompressedNumericArraysByName() throws IOException {
        for (boolean compress : new boolean[]{false, true}) {
            Map<String, double[]> read = MatFile.read(matFile(compress, Map.of("labels", new double[]{77, 77, 3},
                    "trnid", new double[]{1, 2})));
            assertArrayEquals(new double[]{77, 77, 3}, read.get("labels"), 0);
            assertArrayEquals(new double[]{1, 2}, read.get("trnid"), 0);
        }
    }

    @Test
    void rejectsAFileThatIsNotAMatFile() {
        assertThrows(IOException.class, () -> MatFile.read(new byte[200]));
    }
}
