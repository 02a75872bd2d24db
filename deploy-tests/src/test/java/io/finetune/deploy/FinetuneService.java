package io.finetune.deploy;

import java.util.List;

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
        return java.util.Arrays.stream(values()).map(s -> s.module).toList();
    }
}
