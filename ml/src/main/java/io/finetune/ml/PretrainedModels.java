package io.finetune.ml;

import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import io.finetune.ml.net.Network;
import io.finetune.ml.weights.BackboneImporter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Pretrained weights (ImageNet EfficientNet-Lite in safetensors) turned into a model package like any other: its
 * classes are the checkpoint's (the 1000 ImageNet classes), its preprocessing the architecture's own, and its
 * provenance says which file it came from (name, SHA-256, licence, origin). It can be evaluated, served and
 * fine-tuned.
 */
public final class PretrainedModels {
    private PretrainedModels() {
    }

    /** Where the weights came from, when the importer does not know the file; null for the defaults. */
    public record Origin(String licence, String description) {
        public static final Origin UNKNOWN = new Origin(null, null);
    }

    /**
     * Reads {@code weights} as {@code architecture}, names its outputs from {@code classesFile} (one class per
     * line, index order) and writes the package to {@code out} (weights first, manifest last).
     */
    public static ModelManifest importPackage(Path weights, String architecture, Path classesFile, Path out,
                                              String name, String version, Origin origin) throws IOException {
        Architecture arch;
        try {
            arch = Architectures.byName(architecture);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (arch.input().nativeImageSize() == 0) {
            throw new IllegalArgumentException("expected a pretrained backbone architecture, found " + architecture
                    + " (trained here from scratch; nothing to import)");
        }
        BackboneImporter.Imported imported = BackboneImporter.read(weights, arch, origin.licence(),
                origin.description());
        List<String> classes = readClasses(classesFile, imported.numClasses());
        int size = arch.input().nativeImageSize();
        Network network = Network.of(arch, size, imported.numClasses(), imported.params(), weights.toString());
        ModelManifest manifest = new ModelManifest(ModelManifest.SCHEMA_VERSION, name, version, JobKind.PRETRAINED,
                arch.name(), classes, size, arch.input().normalization(), ModelPackages.WEIGHTS, null, List.of(),
                null, null, null, 0, List.of(), null, ProvenanceFactory.current().withPretrained(imported.source()));
        ModelPackages.write(out, manifest, network);
        return manifest;
    }

    /** The default classes file beside a weights file ({@code imagenet_classes.txt}). */
    public static Path defaultClassesFile(Path weights) {
        Path parent = weights.toAbsolutePath().getParent();
        return parent.resolve(SharedWeights.CLASSES_FILE);
    }

    static List<String> readClasses(Path file, int expected) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("expected a class-names file (one name per line, in output order) at " + file
                    + ", found none; pass --classes FILE");
        }
        List<String> classes = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::trim)
                .filter(l -> !l.isEmpty()).toList();
        if (classes.size() != expected) {
            throw new IOException("expected " + expected + " class names in " + file + " (the classifier's outputs), "
                    + "found " + classes.size());
        }
        if (classes.stream().distinct().count() != classes.size()) {
            throw new IOException("expected distinct class names in " + file + ", found duplicates");
        }
        return classes;
    }
}
