package io.finetune.ml.weights;

import io.finetune.contracts.WeightsSource;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.ParamSpec;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads pretrained EfficientNet-Lite weights from safetensors (either {@link TensorNaming}) into this project's
 * parameter names and layouts: convolutions {@code [O, I, kH, kW]} to {@code [kH, kW, I, O]}, depthwise
 * {@code [C, 1, kH, kW]} to {@code [kH, kW, C, 1]}, the classifier {@code [out, in]} to {@code [in, out]}, batch norm
 * weight/bias/running_mean/running_var to gamma/beta/mean/var. Strict: every parameter must be present with its
 * shape, and a tensor the architecture has no place for is an error (a file of another architecture is refused,
 * not half-loaded).
 */
public final class BackboneImporter {
    private BackboneImporter() {
    }

    /** Parameters by name, the classifier's class count, and the file's provenance. */
    public record Imported(Map<String, INDArray> params, int numClasses, TensorNaming naming, WeightsSource source) {
    }

    public static Imported read(Path file, Architecture architecture, String licence, String origin)
            throws IOException {
        String sha256 = sha256(file);
        try (Safetensors.Reader reader = Safetensors.open(file)) {
            Set<String> names = reader.tensors().keySet();
            TensorNaming naming = TensorNaming.detect(names);
            if (naming == null) {
                throw new IOException("expected EfficientNet-Lite tensors in " + file + " (a stem named "
                        + "'_conv_stem.weight' or timm's 'conv_stem.weight'), found " + sample(names));
            }
            int numClasses = classCount(reader, naming, file);
            int size = architecture.input().nativeImageSize();
            Map<String, List<ParamSpec>> specs = architecture.params(size, numClasses);
            Map<String, List<String>> byLayer = new LinkedHashMap<>();
            specs.forEach((layer, list) -> byLayer.put(layer, list.stream().map(ParamSpec::name).toList()));
            Map<String, String> sources = naming.sourceNames(architecture, byLayer);
            Map<String, INDArray> params = new LinkedHashMap<>();
            Set<String> used = new HashSet<>();
            for (List<ParamSpec> list : specs.values()) {
                for (ParamSpec spec : list) {
                    String source = sources.get(spec.name());
                    params.put(spec.name(), convert(reader, source, spec, file, architecture));
                    used.add(source);
                }
            }
            List<String> unexpected = new ArrayList<>();
            for (String name : names) {
                if (!used.contains(name) && !TensorNaming.isBookkeeping(name)) {
                    unexpected.add(name);
                }
            }
            if (!unexpected.isEmpty()) {
                throw new IOException("expected only " + architecture.name() + " tensors in " + file + ", found "
                        + unexpected.size() + " more: " + sample(unexpected) + " (weights of another architecture?)");
            }
            WeightsSource source = KnownWeights.describe(file.getFileName().toString(), sha256, licence, origin);
            return new Imported(params, numClasses, naming, source);
        }
    }

    private static int classCount(Safetensors.Reader reader, TensorNaming naming, Path file) throws IOException {
        String name = naming == TensorNaming.PYTORCH ? "_fc.weight" : "classifier.weight";
        Safetensors.TensorInfo fc = reader.info(name);
        if (fc.shape().length != 2 || fc.shape()[0] < 1) {
            throw new IOException("expected classifier '" + name + "' of shape [classes, features] in " + file
                    + ", found " + Arrays.toString(fc.shape()));
        }
        return Math.toIntExact(fc.shape()[0]);
    }

    /** One tensor in our layout, after checking that its source shape is the one the architecture expects. */
    private static INDArray convert(Safetensors.Reader reader, String source, ParamSpec spec, Path file,
                                    Architecture architecture) throws IOException {
        if (!reader.tensors().containsKey(source)) {
            throw new IOException("expected tensor '" + source + "' (" + spec.name() + " of " + architecture.name()
                    + ") in " + file + ", found none (weights of another architecture?)");
        }
        long[] ours = spec.shape();
        long[] expected;
        boolean depthwise = spec.name().contains("/depthwise/");
        if (ours.length == 4) {
            expected = depthwise ? new long[]{ours[2], 1, ours[0], ours[1]}
                    : new long[]{ours[3], ours[2], ours[0], ours[1]};
        } else if (ours.length == 2) {
            expected = new long[]{ours[1], ours[0]};
        } else {
            expected = ours;
        }
        long[] found = reader.info(source).shape();
        if (!Arrays.equals(expected, found)) {
            throw new IOException("expected tensor '" + source + "' of shape " + Arrays.toString(expected) + " for "
                    + spec.name() + " of " + architecture.name() + " in " + file + ", found "
                    + Arrays.toString(found) + " (weights of another architecture?)");
        }
        float[] v = reader.floats(source);
        INDArray array = Nd4j.create(v, expected, 'c');
        if (ours.length == 4) {
            // [O, I, kH, kW] -> [kH, kW, I, O]; depthwise [C, 1, kH, kW] -> [kH, kW, C, 1]
            array = depthwise ? array.permute(2, 3, 0, 1) : array.permute(2, 3, 1, 0);
        } else if (ours.length == 2) {
            array = array.transpose();
        }
        return array.dup('c');
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest())) {
            byte[] buffer = new byte[1 << 16];
            while (in.read(buffer) >= 0) {
                // digest as we read
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static String sample(java.util.Collection<String> names) {
        List<String> list = new ArrayList<>(names);
        return list.size() <= 5 ? list.toString() : list.subList(0, 5) + " and " + (list.size() - 5) + " others";
    }
}
