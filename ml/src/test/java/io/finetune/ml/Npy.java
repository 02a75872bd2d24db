package io.finetune.ml;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a little-endian float32 C-order {@code .npy} file (the reference tensors of the shared weights). */
public record Npy(long[] shape, float[] values) {
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    public static Npy read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        b.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException("expected a .npy file at " + file);
        }
        int major = b.get();
        b.get();
        int headerLength = major == 1 ? b.getShort() & 0xffff : b.getInt();
        byte[] header = new byte[headerLength];
        b.get(header);
        String h = new String(header, StandardCharsets.US_ASCII);
        if (!h.contains("'descr': '<f4'") || h.contains("'fortran_order': True")) {
            throw new IOException("expected little-endian float32 in C order in " + file + ", found " + h);
        }
        Matcher m = SHAPE.matcher(h);
        if (!m.find()) {
            throw new IOException("expected a shape in " + file + ": " + h);
        }
        String[] dims = m.group(1).split(",");
        long[] shape = java.util.Arrays.stream(dims).map(String::trim).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        float[] values = new float[b.remaining() / 4];
        b.asFloatBuffer().get(values);
        return new Npy(shape, values);
    }
}
