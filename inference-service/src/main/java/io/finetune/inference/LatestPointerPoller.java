package io.finetune.inference;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backstop for events this replica missed (down, or not yet subscribed): re-reads the serving state and every
 * pointer, and reconciles to them.
 */
@Singleton
class LatestPointerPoller {
    private static final Logger LOG = LoggerFactory.getLogger(LatestPointerPoller.class);

    private final ModelRegistry registry;

    LatestPointerPoller(ModelRegistry registry) {
        this.registry = registry;
    }

    @Scheduled(fixedDelay = "${finetune.inference.pointer-check-interval:30s}",
            initialDelay = "${finetune.inference.pointer-check-interval:30s}")
    void check() {
        try {
            registry.reconcile();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the serving state (the pointers are still checked): {}", e.getMessage());
            registry.checkPointers();
        }
    }
}
