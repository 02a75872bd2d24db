package io.finetune.trainer.backbones;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.WeightsSource;
import io.finetune.ml.PretrainedModels;
import io.finetune.ml.SharedWeights;
import io.finetune.service.ExclusiveWrites;
import io.finetune.service.ObjectStore;
import io.finetune.trainer.CheckpointSync;
import io.finetune.trainer.ModelRepository;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Publishes a pretrained backbone folder ({@code efficientnet-lite0/model.safetensors} with
 * {@code imagenet_classes.txt}) as registry model {@code imagenet-<folder>} version 1, once: the version is claimed
 * with a create-only write owned by the file's SHA-256, the package is uploaded files first and manifest last, then
 * {@code latest} moves and {@link ModelPublished} is announced (so serving picks it up). Running it again with the
 * same file writes nothing new (it announces again, which serving ignores for a version it has); a different file
 * under the same name is refused, never replaced.
 */
public final class BackbonePublisher {
    /** The registry version of an imported backbone: it has exactly one. */
    public static final String VERSION = "1";
    private static final String CLAIM_PREFIX = "backbone:";

    private final ObjectStore store;
    private final ExclusiveWrites exclusive;
    private final ModelRepository models;
    private final Consumer<ModelPublished> announce;
    private final Path work;

    /** What happened to one backbone folder. */
    public enum Outcome { PUBLISHED, ALREADY_PUBLISHED, REFUSED }

    public record Result(String model, Outcome outcome, String message) {
    }

    public BackbonePublisher(ObjectStore store, ExclusiveWrites exclusive, ModelRepository models,
                             Consumer<ModelPublished> announce, Path work) {
        this.store = store;
        this.exclusive = exclusive;
        this.models = models;
        this.announce = announce;
        this.work = work;
    }

    /** The registry name of a backbone folder: {@code imagenet-efficientnet-lite0}. */
    public static String modelName(Path folder) {
        return "imagenet-" + folder.getFileName().toString();
    }

    public Result publish(Path folder) throws IOException {
        return publish(folder, modelName(folder));
    }

    /** Publishes the backbone of {@code folder} (named after its architecture) as model {@code name}. */
    public Result publish(Path folder, String name) throws IOException {
        Path weights = folder.resolve(SharedWeights.WEIGHTS_FILE);
        String sha256 = sha256(weights);
        Optional<ModelManifest> existing = store.getJson(ObjectLayout.modelManifest(name, VERSION),
                ModelManifest.class);
        if (existing.isPresent()) {
            return alreadyThere(name, sha256, existing.get(), weights);
        }
        String owner = CLAIM_PREFIX + sha256;
        String claim = ObjectLayout.modelVersionClaim(name, VERSION);
        if (!exclusive.createIfAbsent(claim, owner.getBytes(StandardCharsets.UTF_8), "text/plain")) {
            String holder = store.get(claim).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("?");
            if (!holder.equals(owner)) {
                return new Result(name, Outcome.REFUSED, "expected " + name + " version " + VERSION + " to be free "
                        + "or claimed by this file (sha256 " + sha256 + "), found it claimed by " + holder + "; "
                        + "not publishing " + weights);
            }
        }
        Path dir = work.resolve(name);
        CheckpointSync.deleteTree(dir);
        try {
            String architecture = folder.getFileName().toString();
            PretrainedModels.importPackage(weights, architecture, PretrainedModels.defaultClassesFile(weights), dir,
                    name, VERSION, PretrainedModels.Origin.UNKNOWN);
            models.upload(name, VERSION, dir);
            models.advanceLatest(name, VERSION);
            ModelManifest m = ContractCodec.decode(Files.readAllBytes(dir.resolve(ObjectLayout.MODEL_MANIFEST)),
                    ModelManifest.class);
            announce.accept(new ModelPublished(ModelPublished.SCHEMA_VERSION, name, VERSION, Instant.now(),
                    "backbone-" + sha256.substring(0, 16), m.architecture(), m.classes().size(), m.imageSize(), null,
                    null));
            WeightsSource source = m.provenance().pretrained();
            return new Result(name, Outcome.PUBLISHED, "published " + name + " version " + VERSION + " from "
                    + weights + " (sha256 " + sha256 + ", licence " + source.licence() + ")");
        } finally {
            CheckpointSync.deleteTree(dir);
        }
    }

    private Result alreadyThere(String name, String sha256, ModelManifest manifest, Path weights) {
        // the announcement below repeats the first one's content
        String published = manifest.provenance() == null || manifest.provenance().pretrained() == null ? null
                : manifest.provenance().pretrained().sha256();
        if (sha256.equals(published)) {
            // a run that stopped between the manifest and the announcement is completed; announcing again is
            // harmless (serving ignores a version it already has)
            models.advanceLatest(name, VERSION);
            announce.accept(new ModelPublished(ModelPublished.SCHEMA_VERSION, name, VERSION, Instant.now(),
                    "backbone-" + sha256.substring(0, 16), manifest.architecture(), manifest.classes().size(),
                    manifest.imageSize(), null, null));
            return new Result(name, Outcome.ALREADY_PUBLISHED, name + " version " + VERSION + " is already "
                    + "published from this file (sha256 " + sha256 + "); nothing new written");
        }
        return new Result(name, Outcome.REFUSED, "expected " + name + " version " + VERSION + " to hold the weights "
                + "of " + weights + " (sha256 " + sha256 + "), found a different file published under that name (sha256 "
                + published + "); not replacing a published model: remove it from storage or rename the folder");
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
