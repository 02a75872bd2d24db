package io.finetune.ml.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each
 * tensor name to {@code {dtype, shape, data_offsets: [begin, end]}} (offsets relative to the data that follows the
 * header) plus an optional {@code __metadata__} map of strings, then the raw little-endian tensor data.
 *
 * <p>Reading validates the whole header before anything is read: a damaged file gets an {@link IOException} that
 * names the file, the tensor and what is wrong (header length past the end of the file, bad JSON, unknown dtype,
 * a shape that does not match the byte range, offsets out of range, overlapping or leaving holes, truncated data),
 * never an index error or a silently wrong array. Tensor data is memory-mapped one tensor at a time and converted
 * in bulk (F32, F16, BF16 and F64 to float32).
 */
public final class Safetensors {
    /** The format's own bound on the header (100 MB): a larger length is damage, not a header. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA = "__metadata__";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Safetensors() {
    }

    /** The element types the format defines, with their sizes in bytes. */
    public enum DType {
        BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
        F64(8), I64(8), U64(8);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }

        /** Whether {@link Reader#floats} converts this type. */
        public boolean isFloat() {
            return this == F32 || this == F16 || this == BF16 || this == F64;
        }
    }

    /** One tensor's entry in the header; {@code begin} and {@code end} are byte offsets into the data section. */
    public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** A tensor to write: float32 values in C order and their shape. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("expected non-negative dimensions, found " + d);
                }
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("expected " + n + " values for shape "
                        + java.util.Arrays.toString(shape) + ", found " + values.length);
            }
        }
    }

    /** Opens and validates a file; its tensors are read on demand. */
    public static Reader open(Path file) throws IOException {
        return new Reader(file);
    }

    /**
     * Writes float32 tensors in the given order, with optional string metadata, through a temporary file renamed
     * into place, so the target is complete or absent. The header is padded with spaces to a multiple of 8 bytes.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (METADATA.equals(e.getKey())) {
                throw new IllegalArgumentException("expected a tensor name other than " + METADATA);
            }
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", DType.F32.name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long bytes = 4L * e.getValue().values().length;
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            writeFully(out, head.flip());
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors.values()) {
                float[] v = t.values();
                for (int i = 0; i < v.length; ) {
                    int n = Math.min(v.length - i, chunk.capacity() / 4);
                    chunk.clear();
                    chunk.asFloatBuffer().put(v, i, n);
                    chunk.limit(4 * n);
                    writeFully(out, chunk);
                    i += n;
                }
            }
            out.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** IEEE 754 binary16 to float32 (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /** A validated file: its header, and each tensor read as float32 on demand. Not thread-safe. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final long dataStart;
        private final Map<String, TensorInfo> tensors;
        private final Map<String, String> metadata;

        private Reader(Path file) throws IOException {
            this.file = file;
            if (!Files.isRegularFile(file)) {
                throw new IOException("expected a safetensors file at " + file + ", found none");
            }
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
            try {
                long size = channel.size();
                if (size < 8) {
                    throw damaged("expected at least 8 bytes (the header length), found " + size);
                }
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                readFully(length, 0);
                long headerBytes = length.flip().getLong();
                if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES) {
                    throw damaged("expected a header length between 2 and " + MAX_HEADER_BYTES + " bytes, found "
                            + headerBytes);
                }
                if (8 + headerBytes > size) {
                    throw damaged("expected a header of " + headerBytes + " bytes, found the file ends after "
                            + (size - 8) + " bytes");
                }
                ByteBuffer header = ByteBuffer.allocate((int) headerBytes);
                readFully(header, 8);
                this.dataStart = 8 + headerBytes;
                Map<String, String> meta = new LinkedHashMap<>();
                this.tensors = parseHeader(header.flip(), size - dataStart, meta);
                this.metadata = Map.copyOf(meta);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        public Path file() {
            return file;
        }

        /** Every tensor's entry, in header order. */
        public Map<String, TensorInfo> tensors() {
            return tensors;
        }

        public Map<String, String> metadata() {
            return metadata;
        }

        public TensorInfo info(String name) throws IOException {
            TensorInfo info = tensors.get(name);
            if (info == null) {
                throw new IOException("expected tensor '" + name + "' in " + file + ", found none (it has "
                        + tensors.size() + " tensors)");
            }
            return info;
        }

        /** A tensor's values as float32 in C order (converted from F16, BF16 or F64). */
        public float[] floats(String name) throws IOException {
            TensorInfo info = info(name);
            if (!info.dtype().isFloat()) {
                throw new IOException("expected a floating-point tensor '" + name + "' in " + file + ", found "
                        + info.dtype());
            }
            long elements = info.elements();
            if (elements > Integer.MAX_VALUE - 8) {
                throw new IOException("expected tensor '" + name + "' in " + file + " to fit in one Java array, "
                        + "found " + elements + " elements");
            }
            float[] out = new float[(int) elements];
            if (elements == 0) {
                return out;
            }
            ByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(),
                    info.end() - info.begin()).order(ByteOrder.LITTLE_ENDIAN);
            switch (info.dtype()) {
                case F32 -> data.asFloatBuffer().get(out);
                case F64 -> {
                    java.nio.DoubleBuffer d = data.asDoubleBuffer();
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) d.get(i);
                    }
                }
                case F16 -> {
                    java.nio.ShortBuffer s = data.asShortBuffer();
                    for (int i = 0; i < out.length; i++) {
                        out[i] = halfToFloat(s.get(i));
                    }
                }
                case BF16 -> {
                    java.nio.ShortBuffer s = data.asShortBuffer();
                    for (int i = 0; i < out.length; i++) {
                        out[i] = Float.intBitsToFloat((s.get(i) & 0xffff) << 16);
                    }
                }
                default -> throw new IllegalStateException("unreachable: " + info.dtype());
            }
            return out;
        }

        private void readFully(ByteBuffer buffer, long position) throws IOException {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position + buffer.position());
                if (n < 0) {
                    throw damaged("expected " + buffer.limit() + " bytes at offset " + position
                            + ", found the file truncated");
                }
            }
        }

        private Map<String, TensorInfo> parseHeader(ByteBuffer header, long dataBytes, Map<String, String> meta)
                throws IOException {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(header).toString();
            } catch (CharacterCodingException e) {
                throw damaged("expected a UTF-8 JSON header, found invalid UTF-8");
            }
            JsonNode root;
            try {
                root = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw damaged("expected a JSON header, found invalid JSON: " + e.getOriginalMessage());
            }
            if (root == null || !root.isObject()) {
                throw damaged("expected a JSON object as header, found "
                        + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
            }
            Map<String, TensorInfo> result = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (METADATA.equals(e.getKey())) {
                    readMetadata(e.getValue(), meta);
                } else {
                    result.put(e.getKey(), tensorInfo(e.getKey(), e.getValue(), dataBytes));
                }
            }
            checkLayout(result, dataBytes);
            return java.util.Collections.unmodifiableMap(result);
        }

        private void readMetadata(JsonNode node, Map<String, String> meta) throws IOException {
            if (!node.isObject()) {
                throw damaged("expected " + METADATA + " to be an object of strings, found " + node.getNodeType());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> m = it.next();
                if (!m.getValue().isTextual()) {
                    throw damaged("expected " + METADATA + "." + m.getKey() + " to be a string, found "
                            + m.getValue().getNodeType());
                }
                meta.put(m.getKey(), m.getValue().asText());
            }
        }

        private TensorInfo tensorInfo(String name, JsonNode node, long dataBytes) throws IOException {
            if (!node.isObject()) {
                throw damaged(name, "expected an object with dtype, shape and data_offsets, found "
                        + node.getNodeType());
            }
            JsonNode dtypeNode = node.get("dtype");
            if (dtypeNode == null || !dtypeNode.isTextual()) {
                throw damaged(name, "expected a dtype string, found " + describe(dtypeNode));
            }
            DType dtype;
            try {
                dtype = DType.valueOf(dtypeNode.asText());
            } catch (IllegalArgumentException e) {
                throw damaged(name, "expected a dtype of " + java.util.Arrays.toString(DType.values())
                        + ", found unknown dtype '" + dtypeNode.asText() + "'");
            }
            JsonNode shapeNode = node.get("shape");
            if (shapeNode == null || !shapeNode.isArray()) {
                throw damaged(name, "expected a shape array, found " + describe(shapeNode));
            }
            long[] shape = new long[shapeNode.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                    throw damaged(name, "expected non-negative integer dimensions, found " + d);
                }
                shape[i] = d.asLong();
                try {
                    elements = Math.multiplyExact(elements, shape[i]);
                } catch (ArithmeticException overflow) {
                    throw damaged(name, "expected a shape of plausible size, found dimensions "
                            + shapeNode + " overflowing 64 bits");
                }
            }
            JsonNode offsets = node.get("data_offsets");
            if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber()
                    || !offsets.get(1).isIntegralNumber()) {
                throw damaged(name, "expected data_offsets [begin, end] of integers, found " + describe(offsets));
            }
            long begin = offsets.get(0).asLong();
            long end = offsets.get(1).asLong();
            if (begin < 0 || end < begin) {
                throw damaged(name, "expected 0 <= begin <= end in data_offsets, found [" + begin + ", " + end
                        + "]");
            }
            if (end > dataBytes) {
                throw damaged(name, "expected data_offsets within the " + dataBytes + " data bytes, found end "
                        + end + " (truncated file or offset out of range)");
            }
            if (elements > dataBytes || elements * dtype.bytes() != end - begin) {
                long expected = elements > dataBytes ? elements : elements * dtype.bytes();
                throw damaged(name, "expected " + (elements > dataBytes ? "at least " : "") + expected
                        + " bytes for " + dtype + " "
                        + java.util.Arrays.toString(shape) + ", found data_offsets [" + begin + ", " + end
                        + "] (" + (end - begin) + " bytes)");
            }
            return new TensorInfo(name, dtype, shape, begin, end);
        }

        /** Byte ranges must tile the data section exactly: no overlap, no hole, nothing left over. */
        private void checkLayout(Map<String, TensorInfo> infos, long dataBytes) throws IOException {
            List<TensorInfo> sorted = new ArrayList<>(infos.values());
            sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
            long position = 0;
            TensorInfo previous = null;
            for (TensorInfo t : sorted) {
                if (t.begin() < position) {
                    throw damaged(t.name(), "expected its bytes [" + t.begin() + ", " + t.end()
                            + ") not to overlap those of '" + previous.name() + "' [" + previous.begin() + ", "
                            + previous.end() + ")");
                }
                if (t.begin() > position) {
                    throw damaged(t.name(), "expected its data to start at byte " + position + " (right after "
                            + (previous == null ? "the header" : "'" + previous.name() + "'") + "), found a hole"
                            + " of " + (t.begin() - position) + " bytes before it");
                }
                position = t.end();
                previous = t;
            }
            if (position != dataBytes) {
                throw damaged("expected the tensors to cover the " + dataBytes + " data bytes, found "
                        + (dataBytes - position) + " bytes after the last tensor");
            }
        }

        private static String describe(JsonNode node) {
            return node == null ? "nothing" : node.toString();
        }

        private IOException damaged(String problem) {
            return new IOException("damaged safetensors file " + file + ": " + problem);
        }

        private IOException damaged(String tensor, String problem) {
            return new IOException("damaged safetensors file " + file + ", tensor '" + tensor + "': " + problem);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
