package io.finetune.trainer;

import io.finetune.storage.StorageUser;
import io.finetune.testkit.ErrorBodyChecks;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The trainer-service answers errors in the one shape of service-support (FaultRoute is its failing route). */
@ExtendWith(InfraExtension.class)
class ErrorBodyIT {
    @Test
    void unknownRouteAndFaultAnswerTheOneErrorShapeAndTheFaultIsOnlyLogged(Infra infra) throws Exception {
        ErrorBodyChecks.assertServiceAnswersErrorsInTheShape("trainer-service", TrainerApplication.class.getName(),
                infra.serviceEnvironment(StorageUser.TRAINER_SERVICE));
    }
}
