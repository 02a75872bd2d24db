package io.finetune.inference;

import io.finetune.storage.StorageUser;
import io.finetune.testkit.ErrorBodyChecks;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The inference-service answers errors in the one shape of service-support (FaultRoute is its failing route). */
@ExtendWith(InfraExtension.class)
class ErrorBodyIT {
    @Test
    void unknownRouteAndFaultAnswerTheOneErrorShapeAndTheFaultIsOnlyLogged(Infra infra) throws Exception {
        ErrorBodyChecks.assertServiceAnswersErrorsInTheShape("inference-service", InferenceApplication.class.getName(),
                infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
    }
}
