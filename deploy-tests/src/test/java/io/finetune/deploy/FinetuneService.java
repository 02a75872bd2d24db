package io.finetune.deploy;

import io.finetune.storage.StorageUser;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The four services as deployed: module folder (= compose service = k8s Deployment name) and main class. */
enum FinetuneService {
    GATEWAY("gateway", "io.finetune.gateway.GatewayApplication"),
    DATASET("dataset-service", "io.finetune.dataset.DatasetServiceApplication"),
    TRAINER("trainer-service", "io.finetune.trainer.TrainerApplication"),
    INFERENCE("inference-service", "io.finetune.inference.InferenceApplication");

    final String module;
    final String mainClass;

    FinetuneService(String module, String mainClass) {
        this.module = module;
        this.mainClass = mainClass;
    }

    static List<String> modules() {
        return Arrays.stream(values()).map(s -> s.module).toList();
    }

    /** Its own MinIO user; none for the gateway, which stores nothing. */
    Optional<StorageUser> storageUser() {
        return Arrays.stream(StorageUser.values()).filter(u -> u.service().equals(module)).findFirst();
    }
}
