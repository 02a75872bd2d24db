package io.finetune.inference;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.LearningRateSchedule;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ModelPublished;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.ImageFolders;
import io.finetune.ml.ModelPackages;
import io.finetune.ml.ModelTrainer;
import io.finetune.ml.PretrainedModels;
import io.finetune.ml.SharedWeights;
import io.finetune.ml.TrainedModel;
import io.finetune.ml.TrainingListener;
import io.finetune.ml.TrainingSpec;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.UploadObjectArgs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Real model packages for tests: tiny seed-cnn models trained here on generated images (32 px, 3 classes, 1 epoch),
 * or the shared ImageNet EfficientNet-Lite0 with a 3-class head trained here, published exactly as the trainer does: package files, manifest.json last, then the latest pointer, then
 * {@link ModelPublished} on the real topic.
 */
final class TestModels {
    static final int CLASSES = 3;
    static final int IMAGE_SIZE = 32;
    static final String BACKBONE = "efficientnet-lite0";
    private static final Map<Long, Path> PACKAGES = new ConcurrentHashMap<>();

    private TestModels() {
    }

    /** A trained package (cached per seed for the test JVM), written under the name "trained" version "1". */
    static synchronized Path trainedPackage(long seed) throws Exception {
        Path cached = PACKAGES.get(seed);
        if (cached != null) {
            return cached;
        }
        Path scratch = RepositoryLayout.scratch("models");
        Path data = TinyImages.classFolders(scratch.resolve("data"), CLASSES, 16, IMAGE_SIZE, seed);
        ImageDataset dataset = ImageFolders.load(data, 0.25, 0, seed);
        TrainingSpec spec = new TrainingSpec(JobKind.BASE, "seed-cnn", dataset.classes(), IMAGE_SIZE, 1, 16, 1e-3,
                Augmentation.NONE, null, null, null, false, seed);
        Path dir = scratch.resolve("package");
        try (TrainedModel model = new ModelTrainer().train(spec, dataset, null, null, TrainingListener.NONE)) {
            model.writePackage(dir, "trained", "1", null, new DatasetRef("tiny", "1"), "fingerprint-" + seed);
        }
        PACKAGES.put(seed, dir);
        return dir;
    }

    /**
     * The shared ImageNet EfficientNet-Lite0 with a new {@link #CLASSES}-class head trained here for one epoch on
     * generated images (seeded, cached per seed for the test JVM), as the trainer's FINETUNE of a backbone writes it:
     * 224 px, the backbone's preprocessing, a parent and its provenance. Skips when {@code ../shared/weights} is
     * absent, fails when it is absent under {@code CI=true}.
     */
    static synchronized Path fineTunedBackbone(long seed) throws Exception {
        Path cached = PACKAGES.get(-seed);
        if (cached != null) {
            return cached;
        }
        Path weights = SharedWeights.backbone(BACKBONE).orElse(null);
        io.finetune.testkit.RequiredInputs.require(weights != null, SharedWeights.absentMessage() + " (" + BACKBONE
                + ")");
        Path scratch = RepositoryLayout.scratch("backbone-models");
        Path backbone = scratch.resolve("imagenet");
        if (!Files.exists(backbone.resolve(ModelPackages.MANIFEST))) {
            PretrainedModels.importPackage(weights.resolve(SharedWeights.WEIGHTS_FILE), BACKBONE,
                    weights.resolve(SharedWeights.CLASSES_FILE), backbone, "imagenet-" + BACKBONE, "1",
                    PretrainedModels.Origin.UNKNOWN);
        }
        Path data = TinyImages.classFolders(scratch.resolve("data-" + seed), CLASSES, 12, 96, seed);
        ImageDataset dataset = ImageFolders.load(data, 0.25, 0, seed);
        TrainingSpec spec = new TrainingSpec(JobKind.FINETUNE, BACKBONE, dataset.classes(), 224, 1, 16, 3e-3,
                Augmentation.NONE, null, null, null, false, seed, 1, 0.1, LearningRateSchedule.COSINE, 1e-3, 0.2);
        Path dir = scratch.resolve("package-" + seed);
        try (TrainedModel model = new ModelTrainer().train(spec, dataset, backbone, null, TrainingListener.NONE)) {
            model.writePackage(dir, "trained", "1", new ModelRef("imagenet-" + BACKBONE, "1"),
                    new DatasetRef("tiny", "1"), "fingerprint-" + seed);
        }
        PACKAGES.put(-seed, dir);
        return dir;
    }

    /** A copy of a package renamed to {@code name} version {@code version} (the manifest names both). */
    static Path renamed(Path source, String name, String version) throws IOException {
        return renamed(source, name, version, m -> m);
    }

    /** A renamed copy whose manifest is also changed by {@code change} (after renaming). */
    static Path renamed(Path source, String name, String version, UnaryOperator<ModelManifest> change)
            throws IOException {
        Path dir = RepositoryLayout.scratch("package-" + name + "-" + version);
        ModelManifest m = ModelPackages.readManifest(source);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(ModelPackages.MANIFEST)) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        writeManifest(dir, change.apply(withClasses(m, name, version, m.classes())));
        return dir;
    }

    static ModelManifest withClasses(ModelManifest m, String name, String version, List<String> classes) {
        return new ModelManifest(m.schemaVersion(), name, version, m.kind(), m.architecture(), classes, m.imageSize(),
                m.normalization(), m.modelFile(), m.parent(), m.frozenLayers(), m.dataset(), m.datasetFingerprint(),
                m.hyperParameters(), m.seed(), m.history(), m.test(), m.provenance());
    }

    static void writeManifest(Path dir, ModelManifest manifest) throws IOException {
        Files.write(dir.resolve(ModelPackages.MANIFEST), ContractCodec.encode(manifest));
    }

    /** Uploads the package files, then manifest.json, then the latest pointer (no event). */
    static void upload(Infra infra, Path dir, String name, String version) throws Exception {
        MinioClient minio = infra.minioClient();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().equals(ModelPackages.MANIFEST)).toList()) {
                minio.uploadObject(UploadObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                        .object(ObjectLayout.modelFile(name, version, f.getFileName().toString()))
                        .filename(f.toString()).build());
            }
        }
        minio.uploadObject(UploadObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .object(ObjectLayout.modelManifest(name, version))
                .filename(dir.resolve(ModelPackages.MANIFEST).toString()).build());
        byte[] pointer = ContractCodec.encode(new ModelPointer(ModelPointer.SCHEMA_VERSION, name, version,
                Instant.now()));
        minio.putObject(PutObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .object(ObjectLayout.modelLatest(name)).stream(new ByteArrayInputStream(pointer), pointer.length, -1)
                .contentType("application/json").build());
    }

    /** Uploads as {@link #upload}, then announces the version on {@link Topics#MODELS_PUBLISHED}. */
    static void publish(Infra infra, Path dir, String name, String version) throws Exception {
        upload(infra, dir, name, version);
        ModelManifest m = ModelPackages.readManifest(dir);
        announce(infra, new ModelPublished(ModelPublished.SCHEMA_VERSION, name, version, Instant.now(), "test-job",
                m.architecture(), m.classes().size(), m.imageSize(), m.parent(), m.datasetFingerprint()));
    }

    static void announce(Infra infra, ModelPublished event) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.MODELS_PUBLISHED, event.modelName(),
                    ContractCodec.encode(event))).get();
        }
    }
}
