package io.finetune.ml.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips, the other float types, and a battery of damaged files that must each get a clear error. */
class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void writtenTensorsAndMetadataReadBackExactly() throws IOException {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("stem/W", new Safetensors.Tensor(new long[]{3, 3, 3, 2}, ramp(54)));
        tensors.put("classifier/b", new Safetensors.Tensor(new long[]{5}, new float[]{-1.5f, 0, 2, Float.MIN_VALUE,
                Float.MAX_VALUE}));
        tensors.put("empty", new Safetensors.Tensor(new long[]{0, 4}, new float[0]));
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, tensors, Map.of("format", "pt", "source", "test"));
        try (Safetensors.Reader r = Safetensors.open(file)) {
            assertEquals(tensors.keySet(), r.tensors().keySet(), "header order is write order");
            assertEquals(Map.of("format", "pt", "source", "test"), r.metadata());
            for (Map.Entry<String, Safetensors.Tensor> e : tensors.entrySet()) {
                assertArrayEquals(e.getValue().shape(), r.info(e.getKey()).shape());
                assertArrayEquals(e.getValue().values(), r.floats(e.getKey()), e.getKey());
            }
        }
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, head.getLong() % 8, "header padded to a multiple of 8 bytes");
        assertFalse(Files.exists(dir.resolve("model.safetensors.tmp")));
    }

    @Test
    void halfBfloatAndDoubleTensorsAreConvertedToFloat() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(2 * 3 + 2 * 3 + 8 * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int half : new int[]{0x3C00, 0xC100, 0x7BFF}) {
            data.putShort((short) half);
        }
        for (float f : new float[]{1f, -3f, 0.15625f}) {
            data.putShort((short) (Float.floatToIntBits(f) >>> 16));
        }
        data.putDouble(0.1).putDouble(-7);
        Path file = file("{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[6,12]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[12,28]}}", data.array());
        try (Safetensors.Reader r = Safetensors.open(file)) {
            assertArrayEquals(new float[]{1f, -2.5f, 65504f}, r.floats("h"));
            assertArrayEquals(new float[]{1f, -3f, 0.15625f}, r.floats("b"));
            assertArrayEquals(new float[]{0.1f, -7f}, r.floats("d"));
        }
    }

    @Test
    void halfPrecisionSpecialValuesConvertExactly() {
        assertEquals(0x1p-24f, Safetensors.halfToFloat((short) 0x0001), "smallest subnormal");
        assertEquals(-0.0f, Safetensors.halfToFloat((short) 0x8000));
        assertEquals(Float.NEGATIVE_INFINITY, Safetensors.halfToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(Safetensors.halfToFloat((short) 0x7E00)));
        assertEquals(0x1p-14f, Safetensors.halfToFloat((short) 0x0400), "smallest normal");
    }

    @Test
    void aFileShorterThanTheLengthFieldIsRefused() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[]{1, 2, 3});
        assertDamaged(file, "expected at least 8 bytes");
    }

    @Test
    void aHeaderLengthPastTheEndOfTheFileIsRefused() throws IOException {
        Path file = dir.resolve("long-header.safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + 10).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(5000).put("{}        ".getBytes(StandardCharsets.US_ASCII));
        Files.write(file, b.array());
        assertDamaged(file, "header of 5000 bytes, found the file ends after 10 bytes");
    }

    @Test
    void anAbsurdHeaderLengthIsRefusedBeforeAllocating() throws IOException {
        Path file = dir.resolve("huge-header.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(Long.MAX_VALUE - 3).putLong(0);
        Files.write(file, b.array());
        assertDamaged(file, "header length between 2 and");
    }

    @Test
    void invalidJsonIsRefused() throws IOException {
        assertDamaged(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],", new byte[4]), "invalid JSON");
        assertDamaged(file("[1,2,3]", new byte[0]), "expected a JSON object as header, found array");
        assertDamaged(fileBytes(new byte[]{'{', (byte) 0xC3, (byte) 0x28, '}'}, new byte[0]), "invalid UTF-8");
        assertDamaged(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "Duplicate field");
    }

    @Test
    void anUnknownDtypeIsNamedWithItsTensor() throws IOException {
        assertDamaged(file("{\"conv/W\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'conv/W': expected a dtype of", "unknown dtype 'F31'");
    }

    @Test
    void aMissingOrNegativeShapeIsRefused() throws IOException {
        assertDamaged(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w': expected a shape array, found nothing");
        assertDamaged(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w': expected non-negative integer dimensions, found -1");
    }

    @Test
    void aShapeThatDoesNotMatchItsByteRangeIsRefused() throws IOException {
        assertDamaged(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]),
                "tensor 'w': expected 24 bytes for F32 [2, 3], found data_offsets [0, 20] (20 bytes)");
        assertDamaged(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}",
                new byte[4]), "tensor 'w': expected at least 4294967296 bytes");
        assertDamaged(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
                new byte[4]), "tensor 'w': expected a shape of plausible size", "overflowing 64 bits");
    }

    @Test
    void offsetsPastTheDataAreReportedAsTruncation() throws IOException {
        assertDamaged(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", new byte[12]),
                "tensor 'b': expected data_offsets within the 12 data bytes, found end 24 (truncated");
        assertDamaged(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", new byte[4]),
                "tensor 'a': expected 0 <= begin <= end");
    }

    @Test
    void overlappingTensorsAreRefused() throws IOException {
        assertDamaged(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]),
                "tensor 'b': expected its bytes [4, 12) not to overlap those of 'a' [0, 8)");
    }

    @Test
    void holesAndTrailingBytesAreRefused() throws IOException {
        assertDamaged(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]),
                "tensor 'b': expected its data to start at byte 4", "hole of 4 bytes");
        assertDamaged(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[10]),
                "found 6 bytes after the last tensor");
    }

    @Test
    void badMetadataAndMisusedTensorsGetClearErrors() throws IOException {
        assertDamaged(file("{\"__metadata__\":{\"n\":3}}", new byte[0]), "__metadata__.n to be a string");
        Path ints = file("{\"steps\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", new byte[8]);
        try (Safetensors.Reader r = Safetensors.open(ints)) {
            IOException e = assertThrows(IOException.class, () -> r.floats("steps"));
            assertTrue(e.getMessage().contains("floating-point tensor 'steps'") && e.getMessage().contains("I64"),
                    e.getMessage());
            IOException missing = assertThrows(IOException.class, () -> r.floats("nope"));
            assertTrue(missing.getMessage().contains("expected tensor 'nope'"), missing.getMessage());
        }
        assertThrows(IOException.class, () -> Safetensors.open(dir.resolve("absent.safetensors")));
    }

    private static void assertDamaged(Path file, String... phrases) {
        IOException e = assertThrows(IOException.class, () -> {
            try (Safetensors.Reader r = Safetensors.open(file)) {
                r.tensors();
            }
        });
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        for (String phrase : phrases) {
            assertTrue(e.getMessage().contains(phrase), "expected '" + phrase + "' in: " + e.getMessage());
        }
    }

    private Path file(String header, byte[] data) throws IOException {
        return fileBytes(header.getBytes(StandardCharsets.UTF_8), data);
    }

    private Path fileBytes(byte[] header, byte[] data) throws IOException {
        Path file = Files.createTempFile(dir, "damaged", ".safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        Files.write(file, b.array());
        return file;
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.25f - 3;
        }
        return v;
    }
}
