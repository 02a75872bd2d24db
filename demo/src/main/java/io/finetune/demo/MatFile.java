package io.finetune.demo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the numeric arrays of a MATLAB level-5 MAT-file (as Oxford's {@code imagelabels.mat} and {@code setid.mat}
 * are): compressed or not, any numeric element type, returned as doubles in column-major order by variable name.
 */
final class MatFile {
    private static final int MI_INT8 = 1;
    private static final int MI_UINT8 = 2;
    private static final int MI_INT16 = 3;
    private static final int MI_UINT16 = 4;
    private static final int MI_INT32 = 5;
    private static final int MI_UINT32 = 6;
    private static final int MI_SINGLE = 7;
    private static final int MI_DOUBLE = 9;
    private static final int MI_INT64 = 12;
    private static final int MI_UINT64 = 13;
    private static final int MI_MATRIX = 14;
    private static final int MI_COMPRESSED = 15;

    private MatFile() {
    }

    static Map<String, double[]> read(byte[] file) throws IOException {
        if (file.length < 128 || !new String(file, 0, 6, java.nio.charset.StandardCharsets.US_ASCII)
                .startsWith("MATLAB")) {
            throw new IOException("expected a MATLAB 5.0 MAT-file header, found "
                    + (file.length < 128 ? file.length + " bytes" : "something else"));
        }
        ByteOrder order = file[126] == 'I' && file[127] == 'M' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        ByteBuffer b = ByteBuffer.wrap(file, 128, file.length - 128).order(order);
        Map<String, double[]> variables = new LinkedHashMap<>();
        while (b.remaining() >= 8) {
            int type = b.getInt();
            int size = b.getInt();
            byte[] data = new byte[size];
            b.get(data);
            if (type == MI_COMPRESSED) {
                data = inflate(data);
                ByteBuffer inner = ByteBuffer.wrap(data).order(order);
                type = inner.getInt();
                size = inner.getInt();
                byte[] matrix = new byte[size];
                inner.get(matrix);
                data = matrix;
            } else if (size % 8 != 0) {
                b.position(b.position() + (8 - size % 8));
            }
            if (type == MI_MATRIX) {
                matrix(ByteBuffer.wrap(data).order(order), variables);
            }
        }
        return variables;
    }

    private static void matrix(ByteBuffer m, Map<String, double[]> variables) throws IOException {
        element(m); // array flags
        element(m); // dimensions
        String name = new String(element(m).array, java.nio.charset.StandardCharsets.US_ASCII);
        Element real = element(m);
        ByteBuffer v = ByteBuffer.wrap(real.array).order(m.order());
        int width = switch (real.type) {
            case MI_INT8, MI_UINT8 -> 1;
            case MI_INT16, MI_UINT16 -> 2;
            case MI_INT32, MI_UINT32, MI_SINGLE -> 4;
            case MI_DOUBLE, MI_INT64, MI_UINT64 -> 8;
            default -> throw new IOException("unsupported MAT element type " + real.type + " in " + name);
        };
        double[] values = new double[real.array.length / width];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (real.type) {
                case MI_INT8 -> v.get();
                case MI_UINT8 -> v.get() & 0xff;
                case MI_INT16 -> v.getShort();
                case MI_UINT16 -> v.getShort() & 0xffff;
                case MI_INT32 -> v.getInt();
                case MI_UINT32 -> v.getInt() & 0xffffffffL;
                case MI_SINGLE -> v.getFloat();
                case MI_DOUBLE -> v.getDouble();
                default -> v.getLong();
            };
        }
        variables.put(name, values);
    }

    private record Element(int type, byte[] array) {
    }

    /** One sub-element, in the small (packed into the tag) or the normal format, skipping the padding. */
    private static Element element(ByteBuffer m) {
        int tag = m.getInt();
        int type;
        int size;
        boolean small = (tag >>> 16) != 0;
        if (small) {
            type = tag & 0xffff;
            size = tag >>> 16;
        } else {
            type = tag;
            size = m.getInt();
        }
        byte[] data = new byte[size];
        m.get(data);
        int used = small ? 4 + size : size;
        int pad = small ? 8 - used : (8 - size % 8) % 8;
        m.position(m.position() + Math.max(0, pad));
        return new Element(type, data);
    }

    private static byte[] inflate(byte[] compressed) throws IOException {
        Inflater inflater = new Inflater();
        inflater.setInput(compressed);
        var out = new java.io.ByteArrayOutputStream(compressed.length * 4);
        byte[] buffer = new byte[8192];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buffer, 0, n);
            }
        } catch (DataFormatException e) {
            throw new IOException("corrupt compressed MAT element: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        return out.toByteArray();
    }

    static Map<String, double[]> read(java.nio.file.Path file) throws IOException {
        return read(java.nio.file.Files.readAllBytes(file));
    }

}
