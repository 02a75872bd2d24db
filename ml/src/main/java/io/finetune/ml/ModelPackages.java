package io.finetune.ml;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelManifest;
import io.finetune.imaging.ImageDecoder;
import io.finetune.ml.data.Preprocessor;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import io.finetune.ml.net.Network;
import io.finetune.ml.weights.NamedArrays;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A model package is a directory: the weights file named by the manifest (safetensors, with this project's
 * parameter names and layouts; packages written before used the {@code FTW1} format in {@code weights.bin} and keep
 * loading), and {@code manifest.json}, written last so that a package with a manifest is complete.
 */
public final class ModelPackages {
    public static final String MANIFEST = "manifest.json";
    public static final String WEIGHTS = "weights.safetensors";
    /** The weights file of packages written before safetensors. */
    public static final String LEGACY_WEIGHTS = "weights.bin";

    private ModelPackages() {
    }

    /** Loads a classifier; preprocessing (input size, normalization, classes) comes from the manifest. */
    public static ImageClassifier load(Path dir) throws IOException {
        return load(dir, new ImageDecoder());
    }

    /** Loads a classifier that decodes with {@code decoder} (a service's own limits and decode gate). */
    public static ImageClassifier load(Path dir, ImageDecoder decoder) throws IOException {
        ModelManifest manifest = readManifest(dir);
        Network network = readNetwork(dir, manifest);
        try {
            return new NetworkClassifier(manifest, network, new Preprocessor(decoder,
                    manifest.imageSize(), manifest.normalization()));
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot rebuild preprocessing from " + dir.resolve(MANIFEST) + ": "
                    + e.getMessage(), e);
        }
    }

    public static ModelManifest readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new IOException("expected a model package with " + MANIFEST + " in " + dir + ", found none");
        }
        try {
            return ContractCodec.decode(Files.readAllBytes(file), ModelManifest.class);
        } catch (RuntimeException e) {
            throw new IOException("expected a valid " + MANIFEST + " in " + dir + ", found: " + e.getMessage(), e);
        }
    }

    static Network readNetwork(Path dir, ModelManifest manifest) throws IOException {
        Architecture architecture;
        try {
            architecture = Architectures.byName(manifest.architecture());
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot load " + dir + ": " + e.getMessage(), e);
        }
        Path weights = dir.resolve(manifest.modelFile());
        try {
            return Network.of(architecture, manifest.imageSize(), manifest.classes().size(),
                    NamedArrays.read(weights), weights.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException("weights do not match " + dir.resolve(MANIFEST) + " (" + manifest.classes().size()
                    + " classes): " + e.getMessage(), e);
        }
    }

    /** Writes weights, then the manifest (through a temporary file and a rename). */
    static void write(Path dir, ModelManifest manifest, Network network) throws IOException {
        Files.createDirectories(dir);
        NamedArrays.write(dir.resolve(manifest.modelFile()), network.params(), java.util.Map.of("format", "finetune",
                "architecture", manifest.architecture(), "name", manifest.name(), "version", manifest.version()));
        Path tmp = dir.resolve(MANIFEST + ".tmp");
        Files.write(tmp, ContractCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
        ContractCodec.decode(Files.readAllBytes(tmp), ModelManifest.class);
        Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
