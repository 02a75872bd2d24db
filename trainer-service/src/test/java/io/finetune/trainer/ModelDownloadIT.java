package io.finetune.trainer;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ExclusiveWrites;
import io.finetune.service.ObjectStore;
import io.finetune.service.StorageConfiguration;
import io.finetune.storage.StorageCredentials;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The trainer's local copies of base models against the real MinIO. */
@ExtendWith(InfraExtension.class)
class ModelDownloadIT {
    @Test
    void aLocalCopyOfAReusedVersionNumberIsReplacedByThePublishedPackage(Infra infra) throws Exception {
        // the trainer's own storage user, as the service and ./finetune run these
        StorageCredentials trainerUser = infra.storageCredentials(StorageUser.TRAINER_SERVICE);
        StorageConfiguration storage = new StorageConfiguration(infra.minioEndpoint(), trainerUser.accessKey(),
                trainerUser.secretKey(), ObjectLayout.DEFAULT_BUCKET);
        ObjectStore store = new ObjectStore(infra.minioClient(StorageUser.TRAINER_SERVICE), storage);
        store.ensureBucket();
        TrainerConfiguration trainer = new TrainerConfiguration("g", "earliest", 1, Duration.ofSeconds(10),
                Duration.ofMillis(200), RepositoryLayout.scratch("model-download").toString(), null, 3,
                Duration.ofSeconds(1), 2);
        ModelRepository models = new ModelRepository(store,
                new ExclusiveWrites(infra.minioClient(StorageUser.TRAINER_SERVICE), storage), trainer);
        String name = "reused-" + UUID.randomUUID().toString().substring(0, 8);
        // what an operator does with the root account: the trainer's user may not delete a model
        ObjectStore operator = new ObjectStore(infra.minioClient(), new StorageConfiguration(infra.minioEndpoint(),
                infra.accessKey(), infra.secretKey(), ObjectLayout.DEFAULT_BUCKET));

        publish(store, name, manifest(name, 64), "weights at 64 px");
        ModelRepository.LocalModel first = models.download(new ModelRef(name, "1"));
        assertEquals("weights at 64 px", Files.readString(first.dir().resolve("weights.bin")));

        // the storage is reset and version 1 of the same name now holds another model
        operator.deletePrefix(ObjectLayout.modelVersionPrefix(name, "1"));
        publish(store, name, manifest(name, 96), "weights at 96 px");
        ModelRepository.LocalModel second = models.download(new ModelRef(name, "1"));

        assertEquals(96, second.manifest().imageSize());
        assertEquals("weights at 96 px", Files.readString(second.dir().resolve("weights.bin")));
        assertEquals(96, ContractCodec.read(Files.readAllBytes(second.dir().resolve(ObjectLayout.MODEL_MANIFEST)),
                ModelManifest.class).imageSize(), "the local manifest is the published one");
    }

    private static ModelManifest manifest(String name, int imageSize) {
        ModelManifest m = CommandValidatorTest.base("seed-cnn", imageSize);
        return new ModelManifest(m.schemaVersion(), name, "1", m.kind(), m.architecture(), m.classes(),
                m.imageSize(), m.normalization(), m.modelFile(), m.parent(), m.frozenLayers(), m.dataset(),
                m.datasetFingerprint(), m.hyperParameters(), m.seed(), m.history(), m.test(), m.provenance());
    }

    private static void publish(ObjectStore store, String name, ModelManifest manifest, String weights) {
        store.put(ObjectLayout.modelVersionPrefix(name, "1") + "weights.bin",
                weights.getBytes(StandardCharsets.UTF_8), "application/octet-stream");
        store.putJson(ObjectLayout.modelManifest(name, "1"), manifest);
    }
}
