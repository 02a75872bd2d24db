package io.finetune.service;

import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import jakarta.inject.Singleton;

import java.io.ByteArrayInputStream;
import java.util.Map;

/**
 * Create-only writes: S3 conditional PUT ({@code If-None-Match: *}), which MinIO and AWS S3 evaluate atomically, so
 * of two writers of the same key exactly one succeeds. This is what keeps two publishers from taking the same model
 * version. A store that ignores the header would let both succeed (see the README's limits).
 */
@Singleton
public class ExclusiveWrites {
    private final MinioClient client;
    private final String bucket;

    public ExclusiveWrites(MinioClient client, StorageConfiguration storage) {
        this.client = client;
        this.bucket = storage.bucket();
    }

    /** Returns false if the key already exists. */
    public boolean createIfAbsent(String key, byte[] bytes, String contentType) {
        try {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(new ByteArrayInputStream(bytes), bytes.length, -1).contentType(contentType)
                    .headers(Map.of("If-None-Match", "*")).build());
            return true;
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if ("PreconditionFailed".equals(code) || "ConditionalRequestConflict".equals(code)) {
                return false;
            }
            throw new StorageException("object storage failed to create " + key + " in bucket " + bucket + ": "
                    + e.getMessage(), e);
        } catch (Exception e) {
            throw new StorageException("object storage failed to create " + key + " in bucket " + bucket + ": "
                    + e.getMessage(), e);
        }
    }
}
