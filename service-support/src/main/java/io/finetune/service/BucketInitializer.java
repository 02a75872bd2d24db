package io.finetune.service;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;

/**
 * Creates the bucket at start-up, so that a fresh MinIO works and a wrong endpoint fails the start, loudly.
 * A service that does not use storage (the gateway) sets {@code finetune.storage.initialize-bucket: false}.
 */
@Singleton
@Requires(property = "finetune.storage.initialize-bucket", notEquals = "false")
class BucketInitializer {
    private final ObjectStore store;

    BucketInitializer(ObjectStore store) {
        this.store = store;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        store.ensureBucket();
    }
}
