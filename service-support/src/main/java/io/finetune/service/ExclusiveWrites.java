package io.finetune.service;

import io.minio.MinioClient;
import jakarta.inject.Singleton;

/**
 * Create-only writes: S3 conditional PUT ({@code If-None-Match: *}), which MinIO and AWS S3 evaluate atomically, so
 * of two writers of the same key exactly one succeeds. This is what keeps two publishers from taking the same model
 * version or dataset version. A store that ignores the header would let both succeed (see the README's limits). The
 * request itself is {@link ObjectStore#createIfAbsent}.
 */
@Singleton
public class ExclusiveWrites {
    private final ObjectStore store;

    public ExclusiveWrites(MinioClient client, StorageConfiguration storage) {
        this.store = new ObjectStore(client, storage);
    }

    /** Returns false if the key already exists. */
    public boolean createIfAbsent(String key, byte[] bytes, String contentType) {
        return store.createIfAbsent(key, bytes, contentType);
    }
}
