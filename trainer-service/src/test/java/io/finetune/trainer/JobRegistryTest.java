package io.finetune.trainer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobRegistryTest {
    private static JobRegistry.RunningJob register(JobRegistry registry, String jobId) {
        return registry.register(new WorkQueue.Entry("queues/g/0000000000001-" + jobId, 1, jobId),
                new JobLeases.Lease(jobId, 1, 0, false));
    }

    @Test
    void aCancelReachesTheRunningJob() {
        JobRegistry registry = new JobRegistry();
        JobRegistry.RunningJob job = register(registry, "j");
        assertTrue(registry.cancel("j", "CANCEL"));
        assertTrue(job.cancelReason().isPresent());
        assertTrue(job.shouldStop());
    }

    @Test
    void aCancelForAJobNotRunningHereTouchesNothing() {
        JobRegistry registry = new JobRegistry();
        JobRegistry.RunningJob other = register(registry, "other");
        assertFalse(registry.cancel("j", "CANCEL"));
        assertFalse(other.shouldStop());
    }

    @Test
    void aLostLeaseStopsTheJobWithoutCancellingIt() {
        JobRegistry registry = new JobRegistry();
        JobRegistry.RunningJob job = register(registry, "j");
        job.leaseLost("taken over");
        assertTrue(job.shouldStop());
        assertTrue(job.hasLostLease());
        assertTrue(job.cancelReason().isEmpty());
    }

    @Test
    void theSameJobCannotRunTwiceOnOneInstance() {
        JobRegistry registry = new JobRegistry();
        register(registry, "j");
        assertThrows(IllegalStateException.class, () -> register(registry, "j"));
    }
}
