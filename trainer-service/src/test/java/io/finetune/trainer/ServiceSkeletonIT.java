package io.finetune.trainer;

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
        try (ServerProcess service = ServiceProcesses.start("trainer-service", TrainerApplication.class.getName(), port,
                infra.serviceEnvironment(StorageUser.TRAINER_SERVICE), RepositoryLayout.scratch("trainer-service"))) {
            ServiceSmokeChecks.assertHealthyWithPrometheus(port);
        }
    }
}
