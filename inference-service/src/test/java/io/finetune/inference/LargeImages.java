package io.finetune.inference;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Huge but small-on-the-wire PNGs (a vertical colour gradient, each row one colour, compresses to about 120 KB at
 * 6300 x 6300, deflate's best ratio), written row by row so the test itself never holds the pixels.
 */
final class LargeImages {
    private LargeImages() {
    }

    /** An 8-bit RGB PNG of {@code width x height}: red grows and blue fades from top to bottom. */
    static byte[] gradientPng(int width, int height) {
        try {
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(9), 1 << 16)) {
                byte[] row = new byte[1 + 3 * width];
                row[0] = 1; // filter "Sub": each byte is the difference to the pixel on its left, so 0 across a row
                for (int y = 0; y < height; y++) {
                    row[1] = (byte) (y * 255L / height);
                    row[2] = (byte) 96;
                    row[3] = (byte) (255 - y * 255L / height);
                    z.write(row);
                }
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            png.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.write(new byte[]{8, 2, 0, 0, 0}); // 8 bits, RGB, deflate, adaptive filtering, no interlace
            chunk(png, "IHDR", ihdr.toByteArray());
            chunk(png, "IDAT", idat.toByteArray());
            chunk(png, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(png);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
