package io.finetune.service;

import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;

/** Creates the bucket at start-up, so that a fresh MinIO works and a wrong endpoint fails the start, loudly. */
@Singleton
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
