package io.finetune.trainer;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobRegistryTest {
    private static final TopicPartition P0 = new TopicPartition("commands", 0);

    @Test
    void aCancelReachesTheRunningJob() {
        JobRegistry registry = new JobRegistry();
        JobRegistry.RunningJob job = registry.register("j", P0, 5);
        assertTrue(registry.cancel("j", 0, 9));
        assertTrue(job.cancelReason().isPresent());
        assertTrue(job.shouldStop());
    }

    @Test
    void aCancelSeenBeforeItsJobStartsStillStopsIt() {
        JobRegistry registry = new JobRegistry();
        assertFalse(registry.cancel("j", 0, 9));
        assertTrue(registry.register("j", P0, 5).cancelReason().isPresent());
    }

    @Test
    void aCancelDoesNotTouchALaterResendOfTheSameJobId() {
        JobRegistry registry = new JobRegistry();
        registry.cancel("j", 0, 9);
        assertFalse(registry.register("j", P0, 12).cancelReason().isPresent());
    }

    @Test
    void stoppingAPartitionStopsOnlyItsJobsWithoutCancellingThem() {
        JobRegistry registry = new JobRegistry();
        JobRegistry.RunningJob a = registry.register("a", P0, 1);
        JobRegistry.RunningJob b = registry.register("b", new TopicPartition("commands", 1), 1);
        assertEquals(List.of(a), registry.stop(List.of(P0), "moved"));
        assertTrue(a.shouldStop());
        assertTrue(a.cancelReason().isEmpty());
        assertFalse(b.shouldStop());
    }
}
