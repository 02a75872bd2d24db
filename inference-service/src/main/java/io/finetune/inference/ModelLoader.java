package io.finetune.inference;

import io.finetune.contracts.ModelManifest;
import io.finetune.imaging.DecodeLimits;
import io.finetune.imaging.ImageDecoder;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.ImageClassifier;
import io.finetune.ml.ModelPackages;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Downloads a version, loads it with the {@code ml} module and checks it before it may serve: the manifest names
 * this model and version, the class count is the announced one, and one inference on a probe image gives a
 * probability for every class of the manifest.
 */
@Singleton
class ModelLoader {
    private final ModelStore store;
    private final InferenceConfiguration config;
    private final ImageDecoder decoder;

    ModelLoader(ModelStore store, InferenceConfiguration config, DecodeSlots decodeSlots) {
        this.store = store;
        this.config = config;
        // one decoder for every version: the decode slots are the service's, not a model's
        this.decoder = new ImageDecoder(DecodeLimits.DEFAULT, decodeSlots);
    }

    /**
     * @param expectedClasses the class count announced by the publish event, or null
     * @throws ModelStore.IncompletePackageException when the version is not (fully) published
     * @throws ModelRefusedException when the package is published but unusable
     */
    LoadedModel load(String name, String version, @Nullable Integer expectedClasses) throws IOException {
        Path dir = Files.createTempDirectory(Files.createDirectories(config.workDirectory().resolve(name)),
                "v" + version + "-");
        boolean handedOver = false;
        try {
            store.download(name, version, dir);
            ImageClassifier classifier;
            try {
                classifier = ModelPackages.load(dir, decoder);
            } catch (IOException | RuntimeException e) {
                throw new ModelRefusedException("cannot load model " + name + " version " + version + ": "
                        + e.getMessage(), e);
            }
            try {
                check(classifier, name, version, expectedClasses);
            } catch (ModelRefusedException | RuntimeException e) {
                classifier.close();
                throw e;
            }
            MicroBatcher batcher = config.batchingEnabled() ? new MicroBatcher(classifier, name + "-v" + version,
                    config.batchingMaxSize(), config.batchingMaxWait(), config.batchingWorkers()) : null;
            handedOver = true;
            return new LoadedModel(name, version, Instant.now(), classifier, batcher, dir);
        } finally {
            if (!handedOver) {
                deleteQuietly(dir);
            }
        }
    }

    static void check(ImageClassifier classifier, String name, String version, @Nullable Integer expectedClasses)
            throws ModelRefusedException {
        ModelManifest m = classifier.manifest();
        if (!name.equals(m.name()) || !version.equals(m.version())) {
            throw new ModelRefusedException("expected manifest of " + name + " version " + version + ", found "
                    + m.name() + " version " + m.version());
        }
        int classes = m.classes().size();
        if (expectedClasses != null && expectedClasses != classes) {
            throw new ModelRefusedException("expected " + expectedClasses + " classes as announced for " + name
                    + " version " + version + ", found " + classes + " in its manifest");
        }
        float[] p;
        try {
            p = classifier.probabilities(probe(m.imageSize()));
        } catch (ImageRejectedException | RuntimeException e) {
            throw new ModelRefusedException("probe inference failed for " + name + " version " + version + ": "
                    + e.getMessage(), e);
        }
        if (p.length != classes) {
            throw new ModelRefusedException("expected " + classes + " probabilities (the manifest's classes) from "
                    + name + " version " + version + ", found " + p.length);
        }
        double sum = 0;
        for (float v : p) {
            if (!Float.isFinite(v) || v < 0) {
                throw new ModelRefusedException("expected finite probabilities from " + name + " version " + version
                        + ", found " + v);
            }
            sum += v;
        }
        if (Math.abs(sum - 1) > 1e-3) {
            throw new ModelRefusedException("expected probabilities summing to 1 from " + name + " version " + version
                    + ", found " + sum);
        }
    }

    /** A mid-grey PNG at the model's input size. */
    static byte[] probe(int size) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                image.setRGB(x, y, 0x808080 ^ ((x * 7 + y * 13) & 0x0f0f0f));
            }
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            LocalFiles.deleteTree(dir);
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless; the next load uses a fresh one
        }
    }

    /** A published version that failed its checks: it is never activated. */
    static final class ModelRefusedException extends IOException {
        ModelRefusedException(String message) {
            super(message);
        }

        ModelRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
