package io.finetune.storage;

import io.finetune.contracts.ObjectLayout;

import java.util.List;
import java.util.Locale;

/**
 * One MinIO user per service that stores something, with the rights its code uses today (the gateway stores nothing
 * and gets no user). Derived from the services' calls to the object store, prefix by prefix (ObjectLayout):
 * <ul>
 *   <li>dataset-service: ingests, lists, reserves (conditional PUT), aborts and deletes versions under
 *       {@code datasets/}; nothing else.</li>
 *   <li>trainer-service: reads datasets; claims, uploads and reads model versions and the {@code latest} pointer
 *       under {@code models/} (backbones too); job state and checkpoints under {@code jobs/}, pruned as it goes; and
 *       writes (never reads) {@code serving/models/{name}.json} when a job asks for its result to be served.</li>
 *   <li>inference-service: reads models; reads and writes the desired serving state ({@code serving/models/},
 *       created if absent for a model it follows); writes, reads and deletes its replica report
 *       ({@code serving/replicas/}).</li>
 * </ul>
 * Nobody may delete a model or a serving document, list the bucket's top level or touch another bucket.
 */
public enum StorageUser {
    DATASET_SERVICE("dataset-service", List.of(
            StorageAccess.readWriteDelete(ObjectLayout.DATASETS))),
    TRAINER_SERVICE("trainer-service", List.of(
            StorageAccess.read(ObjectLayout.DATASETS),
            StorageAccess.readWrite(ObjectLayout.MODELS),
            StorageAccess.readWriteDelete(ObjectLayout.JOBS),
            StorageAccess.readWriteDelete(ObjectLayout.QUEUES),
            StorageAccess.write(ObjectLayout.SERVING_MODELS))),
    INFERENCE_SERVICE("inference-service", List.of(
            StorageAccess.read(ObjectLayout.MODELS),
            StorageAccess.readWrite(ObjectLayout.SERVING_MODELS),
            StorageAccess.readWriteDelete(ObjectLayout.SERVING_REPLICAS)));

    private final String service;
    private final List<StorageAccess> access;

    StorageUser(String service, List<StorageAccess> access) {
        this.service = service;
        this.access = access;
    }

    /** The service's module and deployment name, for example {@code inference-service}. */
    public String service() {
        return service;
    }

    public List<StorageAccess> access() {
        return access;
    }

    /** The MinIO user (access key) and the name of its policy: {@code finetune-inference-service}. */
    public String userName() {
        return "finetune-" + service;
    }

    public String policyName() {
        return userName();
    }

    /**
     * Where the launcher, docker compose and the provisioning step read this user's credentials:
     * {@code INFERENCE_STORAGE_ACCESS_KEY} and {@code INFERENCE_STORAGE_SECRET_KEY}.
     */
    public String environmentPrefix() {
        return service.substring(0, service.indexOf('-')).toUpperCase(Locale.ROOT) + "_STORAGE_";
    }

    public String accessKeyVariable() {
        return environmentPrefix() + "ACCESS_KEY";
    }

    public String secretKeyVariable() {
        return environmentPrefix() + "SECRET_KEY";
    }

    /** The IAM policy document MinIO stores for this user, over {@code bucket} only. */
    public String policyJson(String bucket) {
        return StoragePolicy.of(bucket, access);
    }
}
