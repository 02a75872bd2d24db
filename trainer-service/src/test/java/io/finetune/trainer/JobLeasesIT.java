package io.finetune.trainer;

import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ObjectStore;
import io.finetune.service.StorageConfiguration;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Job leases against the real MinIO, each trainer with its own hand-driven monotonic clock: exactly one claimant per
 * generation, a renewed lease is never taken, an unrenewed one is taken after the time to live as the taker sees it.
 */
@ExtendWith(InfraExtension.class)
class JobLeasesIT {
    private static final long TTL = 15_000_000_000L;

    private ObjectStore store;
    private final AtomicLong clockA = new AtomicLong();
    private final AtomicLong clockB = new AtomicLong(7_000_000_000_000L);
    private JobLeases a;
    private JobLeases b;
    private final String job = "lease-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void leases(Infra infra) {
        store = new ObjectStore(infra.minioClient(), new StorageConfiguration(infra.minioEndpoint(),
                infra.accessKey(), infra.secretKey(), ObjectLayout.DEFAULT_BUCKET));
        a = new JobLeases(store, "trainer-a", TTL, clockA::get);
        b = new JobLeases(store, "trainer-b", TTL, clockB::get);
    }

    @Test
    void ofFourTrainersRacingForAFreeJobExactlyOneGetsIt() throws Exception {
        List<JobLeases> trainers = List.of(a, b, new JobLeases(store, "c", TTL, System::nanoTime),
                new JobLeases(store, "d", TTL, System::nanoTime));
        ExecutorService pool = Executors.newFixedThreadPool(trainers.size());
        try {
            List<Future<JobLeases.Claim>> claims = new ArrayList<>();
            for (JobLeases t : trainers) {
                claims.add(pool.submit((Callable<JobLeases.Claim>) () -> t.tryAcquire(job)));
            }
            int won = 0;
            for (Future<JobLeases.Claim> c : claims) {
                won += c.get().lease().isPresent() ? 1 : 0;
            }
            assertEquals(1, won);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRenewedLeaseIsNeverTakenOver() {
        JobLeases.Lease held = a.tryAcquire(job).lease().orElseThrow();
        for (int i = 0; i < 4; i++) {
            JobLeases.Claim claim = b.tryAcquire(job);
            assertTrue(claim.held(), "a live lease is reported held");
            assertTrue(claim.lease().isEmpty());
            clockB.addAndGet(TTL);
            held = a.renew(held).orElseThrow();
        }
        assertTrue(b.tryAcquire(job).held(), "the beat changed since the last look: still held");
    }

    @Test
    void aLeaseUnrenewedForTheTimeToLiveIsTakenOverOnceAndItsHolderLearnsIt() {
        JobLeases.Lease stale = a.tryAcquire(job).lease().orElseThrow();
        assertTrue(b.tryAcquire(job).held(), "first sighting starts the taker's clock");
        clockB.addAndGet(TTL - 1);
        assertTrue(b.tryAcquire(job).held(), "not yet a time to live on the taker's clock");
        clockB.addAndGet(1);
        JobLeases.Lease taken = b.tryAcquire(job).lease().orElseThrow();
        assertEquals(2, taken.generation());
        assertTrue(taken.tookOver());
        assertTrue(a.renew(stale).isEmpty(), "the old holder sees the newer generation and must stop");
        assertTrue(b.renew(taken).isPresent());
    }

    @Test
    void aReleasedLeaseIsClaimableAtOnce() {
        JobLeases.Lease held = a.tryAcquire(job).lease().orElseThrow();
        assertTrue(b.tryAcquire(job).held());
        a.release(held);
        JobLeases.Claim claim = b.tryAcquire(job);
        assertTrue(claim.lease().isPresent(), "no waiting for expiry after a graceful stop");
        assertFalse(claim.lease().get().tookOver());
    }
}
