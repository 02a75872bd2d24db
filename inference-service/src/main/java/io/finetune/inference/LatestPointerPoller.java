package io.finetune.inference;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;

/** Catches publish events this replica missed (down, or not yet subscribed) by re-reading the pointers. */
@Singleton
class LatestPointerPoller {
    private final ModelRegistry registry;

    LatestPointerPoller(ModelRegistry registry) {
        this.registry = registry;
    }

    @Scheduled(fixedDelay = "${finetune.inference.pointer-check-interval:30s}",
            initialDelay = "${finetune.inference.pointer-check-interval:30s}")
    void check() {
        registry.checkPointers();
    }
}
