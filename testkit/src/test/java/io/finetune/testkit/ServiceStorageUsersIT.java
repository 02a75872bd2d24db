package io.finetune.testkit;

import io.finetune.contracts.ObjectLayout;
import io.finetune.storage.StorageCredentials;
import io.finetune.storage.StorageProvisioner;
import io.finetune.storage.StorageUser;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The services' MinIO users against the real MinIO, as the testkit and ./finetune provision them: each may do what
 * its service does and nothing else (AccessDenied), so a compromised service cannot rewrite another's data.
 */
@ExtendWith(InfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceStorageUsersIT {
    private static final byte[] BYTES = "x".getBytes(StandardCharsets.UTF_8);

    private Infra infra;
    private MinioClient root;
    private final String run = "users-" + UUID.randomUUID().toString().substring(0, 8);
    private String modelKey;
    private String datasetKey;

    @BeforeAll
    void fixtures(Infra infra) throws Exception {
        this.infra = infra;
        root = infra.minioClient();
        modelKey = ObjectLayout.modelManifest(run, "1");
        datasetKey = ObjectLayout.datasetManifest(run, "1");
        put(root, modelKey);
        put(root, datasetKey);
        put(root, ObjectLayout.jobState(run));
        put(root, ObjectLayout.servingState(run));
    }

    @Test
    void inferenceCredentialsReadModelsButCannotWriteModelsOrDatasets() throws Exception {
        MinioClient inference = infra.minioClient(StorageUser.INFERENCE_SERVICE);
        assertArrayEquals(BYTES, get(inference, modelKey));
        assertEquals(List.of(modelKey), list(inference, ObjectLayout.modelPrefix(run)));

        denied(() -> put(inference, ObjectLayout.modelManifest(run, "2")));
        denied(() -> put(inference, modelKey));
        denied(() -> put(inference, ObjectLayout.modelLatest(run)));
        denied(() -> delete(inference, modelKey));
        denied(() -> put(inference, ObjectLayout.datasetManifest(run, "2")));
        denied(() -> get(inference, datasetKey));
        denied(() -> list(inference, ObjectLayout.DATASETS));
        denied(() -> get(inference, ObjectLayout.jobState(run)));
        assertArrayEquals(BYTES, get(root, modelKey), "the model is untouched");

        // what it does write: the desired serving state and its replica report
        String replica = ObjectLayout.servingReplica(run);
        assertDoesNotThrow(() -> put(inference, replica));
        assertArrayEquals(BYTES, get(inference, ObjectLayout.servingState(run)));
        assertDoesNotThrow(() -> delete(inference, replica));
        denied(() -> delete(inference, ObjectLayout.servingState(run)));
    }

    @Test
    void datasetCredentialsWriteDatasetsOnly() throws Exception {
        MinioClient dataset = infra.minioClient(StorageUser.DATASET_SERVICE);
        String key = ObjectLayout.datasetSummary(run, "1");
        assertDoesNotThrow(() -> put(dataset, key));
        assertArrayEquals(BYTES, get(dataset, key));
        assertEquals(List.of(ObjectLayout.datasetManifest(run, "1"), key),
                list(dataset, ObjectLayout.datasetVersionPrefix(run, "1")));
        assertDoesNotThrow(() -> delete(dataset, key));

        denied(() -> get(dataset, modelKey));
        denied(() -> put(dataset, ObjectLayout.modelManifest(run, "2")));
        denied(() -> list(dataset, ObjectLayout.MODELS));
        denied(() -> put(dataset, ObjectLayout.servingState(run)));
        denied(() -> get(dataset, ObjectLayout.jobState(run)));
    }

    @Test
    void trainerCredentialsReadDatasetsAndWriteModelsJobsAndServingRequests() throws Exception {
        MinioClient trainer = infra.minioClient(StorageUser.TRAINER_SERVICE);
        assertArrayEquals(BYTES, get(trainer, datasetKey));
        assertEquals(List.of(datasetKey), list(trainer, ObjectLayout.datasetVersionPrefix(run, "1")));
        denied(() -> put(trainer, datasetKey));
        denied(() -> delete(trainer, datasetKey));

        assertDoesNotThrow(() -> put(trainer, ObjectLayout.modelManifest(run, "2")));
        assertDoesNotThrow(() -> put(trainer, ObjectLayout.jobCheckpointComplete(run, 1)));
        assertDoesNotThrow(() -> delete(trainer, ObjectLayout.jobCheckpointComplete(run, 1)));
        assertDoesNotThrow(() -> put(trainer, ObjectLayout.servingState(run)));
        denied(() -> delete(trainer, modelKey));
        denied(() -> get(trainer, ObjectLayout.servingState(run)));
        denied(() -> put(trainer, ObjectLayout.servingReplica(run)));
    }

    @Test
    void noServiceMayListTheWholeBucket() {
        for (StorageUser user : StorageUser.values()) {
            MinioClient client = infra.minioClient(user);
            denied(() -> list(client, ""));
            denied(() -> list(client, "serving"));
        }
    }

    @Test
    void provisioningAgainKeepsTheUsersWorking() throws Exception {
        StorageProvisioner provisioner = new StorageProvisioner(infra.minioEndpoint(),
                new StorageCredentials(infra.accessKey(), infra.secretKey()), ObjectLayout.DEFAULT_BUCKET);
        provisioner.provision(Map.of(StorageUser.INFERENCE_SERVICE,
                infra.storageCredentials(StorageUser.INFERENCE_SERVICE)));
        assertArrayEquals(BYTES, get(infra.minioClient(StorageUser.INFERENCE_SERVICE), modelKey));
        denied(() -> put(infra.minioClient(StorageUser.INFERENCE_SERVICE), modelKey));
    }

    @Test
    void provisioningRefusesAServiceUserThatIsTheRootUser() {
        StorageProvisioner provisioner = new StorageProvisioner(infra.minioEndpoint(),
                new StorageCredentials(infra.accessKey(), infra.secretKey()), ObjectLayout.DEFAULT_BUCKET);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> provisioner.provision(
                Map.of(StorageUser.DATASET_SERVICE, new StorageCredentials(infra.accessKey(), "some-secret"))));
        assertEquals("expected an access key of its own for finetune-dataset-service, found '" + infra.accessKey()
                + "' in use by the root user or another service", e.getMessage());
    }

    private static void denied(Executable call) {
        ErrorResponseException e = assertThrows(ErrorResponseException.class, call);
        assertEquals("AccessDenied", e.errorResponse().code(), e.getMessage());
    }

    private static void put(MinioClient client, String key) throws Exception {
        client.putObject(PutObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(key)
                .stream(new ByteArrayInputStream(BYTES), BYTES.length, -1).build());
    }

    private static byte[] get(MinioClient client, String key) throws Exception {
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .object(key).build())) {
            return in.readAllBytes();
        }
    }

    private static void delete(MinioClient client, String key) throws Exception {
        client.removeObject(RemoveObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(key).build());
    }

    private static List<String> list(MinioClient client, String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .prefix(prefix).recursive(true).build())) {
            keys.add(r.get().objectName());
        }
        return keys;
    }
}
