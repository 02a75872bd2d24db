package io.finetune.ml.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.ml.SharedFixtures;
import io.finetune.ml.SharedWeights;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The importer maps both published naming schemes to the same parameters and refuses what does not fit. timm's
 * names are produced here from the shared (PyTorch-named) file with a renaming written from timm's module layout
 * and the stage of each block in config.json, independently of {@link TensorNaming}.
 */
class BackboneImporterTest {
    private static final Architecture LITE0 = Architectures.byName("efficientnet-lite0");

    @TempDir
    Path tmp;

    @Test
    void timmTensorNamesImportToTheSameParameters() throws Exception {
        Path dir = SharedFixtures.weights("efficientnet-lite0");
        Path original = dir.resolve(SharedWeights.WEIGHTS_FILE);
        Path timm = tmp.resolve("tf_efficientnet_lite0.safetensors");
        writeRenamed(original, timm, timmNames(dir.resolve("config.json")), true);
        BackboneImporter.Imported a = BackboneImporter.read(original, LITE0, null, null);
        BackboneImporter.Imported b = BackboneImporter.read(timm, LITE0, null, null);
        assertEquals(TensorNaming.PYTORCH, a.naming());
        assertEquals(TensorNaming.TIMM, b.naming());
        assertEquals(a.params().keySet(), b.params().keySet());
        for (Map.Entry<String, INDArray> e : a.params().entrySet()) {
            assertEquals(e.getValue(), b.params().get(e.getKey()), e.getKey());
        }
        assertEquals("Apache-2.0", a.source().licence(), "the shared file is known by its sha256");
        assertEquals("unknown", b.source().licence(), "a renamed file is not");
        assertEquals(64, b.source().sha256().length());
    }

    @Test
    void aWrongShapeAMissingTensorOrAForeignTensorIsRefused() throws Exception {
        Path dir = SharedFixtures.weights("efficientnet-lite0");
        Path original = dir.resolve(SharedWeights.WEIGHTS_FILE);
        Map<String, String> identity = new LinkedHashMap<>();
        try (Safetensors.Reader r = Safetensors.open(original)) {
            r.tensors().keySet().forEach(k -> identity.put(k, k));
        }
        Map<String, String> dropped = new LinkedHashMap<>(identity);
        dropped.remove("_blocks.7._depthwise_conv.weight");
        Path missing = tmp.resolve("missing.safetensors");
        writeRenamed(original, missing, dropped, false);
        IOException e1 = assertThrows(IOException.class, () -> BackboneImporter.read(missing, LITE0, null, null));
        assertTrue(e1.getMessage().contains("expected tensor '_blocks.7._depthwise_conv.weight' (block7/depthwise/W"),
                e1.getMessage());

        Path foreign = tmp.resolve("foreign.safetensors");
        writeWithExtraBlock(original, foreign);
        IOException e2 = assertThrows(IOException.class, () -> BackboneImporter.read(foreign, LITE0, null, null));
        assertTrue(e2.getMessage().contains("found 1 more: [_blocks.16._project_conv.weight]"), e2.getMessage());

        Path transposed = tmp.resolve("transposed.safetensors");
        writeTransposedClassifier(original, transposed);
        IOException e3 = assertThrows(IOException.class, () -> BackboneImporter.read(transposed, LITE0, null, null));
        assertTrue(e3.getMessage().contains("expected classifier '_fc.weight' of shape [classes, features]")
                || e3.getMessage().contains("'_fc.weight' of shape [1280, 1280]"), e3.getMessage());

        Path lite2 = SharedWeights.backbone("efficientnet-lite2").map(d -> d.resolve(SharedWeights.WEIGHTS_FILE))
                .orElse(null);
        if (lite2 != null) {
            IOException e4 = assertThrows(IOException.class, () -> BackboneImporter.read(lite2, LITE0, null, null));
            assertTrue(e4.getMessage().contains("weights of another architecture"), e4.getMessage());
        }
    }

    /** PyTorch name to timm name, block stages read from config.json. */
    private static Map<String, String> timmNames(Path config) throws IOException {
        JsonNode blocks = new ObjectMapper().readTree(config.toFile()).get("blocks");
        Map<String, String> names = new LinkedHashMap<>();
        String[] bn = {"weight", "bias", "running_mean", "running_var"};
        names.put("_conv_stem.weight", "conv_stem.weight");
        names.put("_conv_head.weight", "conv_head.weight");
        names.put("_fc.weight", "classifier.weight");
        names.put("_fc.bias", "classifier.bias");
        for (String p : bn) {
            names.put("_bn0." + p, "bn1." + p);
            names.put("_bn1." + p, "bn2." + p);
        }
        int previousStage = -1;
        int j = 0;
        for (JsonNode b : blocks) {
            int stage = b.get("stage").asInt();
            j = stage == previousStage ? j + 1 : 0;
            previousStage = stage;
            String from = "_blocks." + b.get("index").asInt() + ".";
            String to = "blocks." + stage + "." + j + ".";
            boolean expands = b.get("expand_ratio").asInt() != 1;
            if (expands) {
                names.put(from + "_expand_conv.weight", to + "conv_pw.weight");
                names.put(from + "_depthwise_conv.weight", to + "conv_dw.weight");
                names.put(from + "_project_conv.weight", to + "conv_pwl.weight");
            } else {
                names.put(from + "_depthwise_conv.weight", to + "conv_dw.weight");
                names.put(from + "_project_conv.weight", to + "conv_pw.weight");
            }
            for (String p : bn) {
                if (expands) {
                    names.put(from + "_bn0." + p, to + "bn1." + p);
                    names.put(from + "_bn1." + p, to + "bn2." + p);
                    names.put(from + "_bn2." + p, to + "bn3." + p);
                } else {
                    names.put(from + "_bn1." + p, to + "bn1." + p);
                    names.put(from + "_bn2." + p, to + "bn2." + p);
                }
            }
        }
        return names;
    }

    /**
     * Copies {@code from} with tensors renamed ({@code names}: old to new; unlisted tensors dropped), adding, when
     * {@code counters}, an I64 {@code num_batches_tracked} beside each batch norm as PyTorch checkpoints carry.
     */
    private static void writeRenamed(Path from, Path to, Map<String, String> names, boolean counters)
            throws IOException {
        Map<String, Object[]> entries = new LinkedHashMap<>();
        try (Safetensors.Reader r = Safetensors.open(from)) {
            for (Map.Entry<String, String> e : names.entrySet()) {
                entries.put(e.getValue(), new Object[]{"F32", r.info(e.getKey()).shape(), floats(r.floats(e.getKey()))});
                if (counters && e.getValue().endsWith(".running_var")) {
                    String counter = e.getValue().replace(".running_var", ".num_batches_tracked");
                    entries.put(counter, new Object[]{"I64", new long[0], ByteBuffer.allocate(8)
                            .order(ByteOrder.LITTLE_ENDIAN).putLong(12345).array()});
                }
            }
        }
        writeRaw(to, entries);
    }

    private static void writeWithExtraBlock(Path from, Path to) throws IOException {
        Map<String, Object[]> entries = new LinkedHashMap<>();
        try (Safetensors.Reader r = Safetensors.open(from)) {
            for (Safetensors.TensorInfo t : r.tensors().values()) {
                entries.put(t.name(), new Object[]{"F32", t.shape(), floats(r.floats(t.name()))});
            }
            String copied = "_blocks.3._project_conv.weight";
            entries.put("_blocks.16._project_conv.weight", new Object[]{"F32", r.info(copied).shape(),
                    floats(r.floats(copied))});
        }
        writeRaw(to, entries);
    }

    private static void writeTransposedClassifier(Path from, Path to) throws IOException {
        Map<String, Object[]> entries = new LinkedHashMap<>();
        try (Safetensors.Reader r = Safetensors.open(from)) {
            for (Safetensors.TensorInfo t : r.tensors().values()) {
                long[] shape = t.name().equals("_fc.weight") ? new long[]{t.shape()[1], t.shape()[0]} : t.shape();
                entries.put(t.name(), new Object[]{"F32", shape, floats(r.floats(t.name()))});
            }
        }
        writeRaw(to, entries);
    }

    private static byte[] floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    /** A safetensors file from {name: [dtype, shape, bytes]}, written by hand (the writer only writes F32). */
    private static void writeRaw(Path file, Map<String, Object[]> entries) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, Object[]> e : entries.entrySet()) {
            long[] shape = (long[]) e.getValue()[1];
            byte[] data = (byte[]) e.getValue()[2];
            header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"")
                    .append(e.getValue()[0]).append("\",\"shape\":").append(java.util.Arrays.toString(shape))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + data.length)
                    .append("]}");
            offset += data.length;
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        try (var out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (Object[] v : entries.values()) {
                out.write((byte[]) v[2]);
            }
        }
    }
}
