package io.finetune.dataset;

import io.finetune.storage.StorageUser;
import io.finetune.testkit.ErrorBodyChecks;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dataset-service answers errors in the one shape of service-support (FaultRoute is its failing route). */
@ExtendWith(InfraExtension.class)
class ErrorBodyIT {
    @Test
    void unknownRouteAndFaultAnswerTheOneErrorShapeAndTheFaultIsOnlyLogged(Infra infra) throws Exception {
        ErrorBodyChecks.assertServiceAnswersErrorsInTheShape("dataset-service", DatasetServiceApplication.class.getName(),
                infra.serviceEnvironment(StorageUser.DATASET_SERVICE));
    }
}
