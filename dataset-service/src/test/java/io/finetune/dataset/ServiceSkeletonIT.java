package io.finetune.dataset;

import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import io.finetune.testkit.ServiceProcesses;
import io.finetune.testkit.ServiceSmokeChecks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(InfraExtension.class)
class ServiceSkeletonIT {
    @Test
    void startsAsItsOwnProcessAndAnswersHealthAndPrometheus(Infra infra) throws Exception {
        int port = FreePorts.next();
        try (ServerProcess service = ServiceProcesses.start("dataset-service", DatasetServiceApplication.class.getName(), port,
                infra.serviceEnvironment(StorageUser.DATASET_SERVICE), RepositoryLayout.scratch("dataset-service"))) {
            ServiceSmokeChecks.assertHealthyWithPrometheus(port);
        }
    }
}
