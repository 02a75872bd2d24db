package io.finetune.service;

import io.finetune.contracts.ContractCodec;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.DownloadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import jakarta.inject.Singleton;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bucket, seen as keys and bytes. A single PUT in MinIO is atomic: readers see the whole object or none,
 * so multi-object artifacts are published by writing their parts first and their manifest or pointer last.
 */
@Singleton
public class ObjectStore {
    private final MinioClient client;
    private final String bucket;

    public ObjectStore(MinioClient client, StorageConfiguration storage) {
        this.client = client;
        this.bucket = storage.bucket();
    }

    public String bucket() {
        return bucket;
    }

    /**
     * Creates the bucket unless it exists. A service's own storage user (least privilege, see storage-admin) may list
     * only its prefixes, not ask about the bucket: AccessDenied here means the bucket was provisioned together with
     * that user, and a missing bucket would show at the first read or write. Wrong credentials or a wrong endpoint
     * still fail here.
     */
    public void ensureBucket() {
        call("create bucket " + bucket, () -> {
            boolean exists;
            try {
                exists = client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
            } catch (ErrorResponseException e) {
                if (!"AccessDenied".equals(e.errorResponse().code())) {
                    throw e;
                }
                exists = true;
            }
            if (!exists) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    // Another service created it between our check and our request: that is what we wanted.
                    if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                        throw e;
                    }
                }
            }
            return null;
        });
    }

    public void put(String key, byte[] bytes, String contentType) {
        call("put " + key, () -> client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).contentType(contentType).build()));
    }

    public void putJson(String key, Object document) {
        put(key, ContractCodec.encode(document), "application/json");
    }

    /**
     * Creates {@code key} unless it exists: an S3 conditional PUT ({@code If-None-Match: *}), evaluated atomically by
     * MinIO and S3, so of two writers exactly one succeeds. Returns false when the key already existed.
     */
    public boolean createJsonIfAbsent(String key, Object document) {
        return createIfAbsent(key, ContractCodec.encode(document), "application/json");
    }

    /** {@link #createJsonIfAbsent} for any bytes. */
    public boolean createIfAbsent(String key, byte[] bytes, String contentType) {
        return call("create " + key, () -> {
            try {
                client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                        .stream(new ByteArrayInputStream(bytes), bytes.length, -1).contentType(contentType)
                        .headers(java.util.Map.of("If-None-Match", "*")).build());
                return true;
            } catch (ErrorResponseException e) {
                String code = e.errorResponse().code();
                if ("PreconditionFailed".equals(code) || "ConditionalRequestConflict".equals(code)) {
                    return false;
                }
                throw e;
            }
        });
    }

    public void upload(String key, Path file, String contentType) {
        call("upload " + key, () -> client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key)
                .filename(file.toString()).contentType(contentType).build()));
    }

    /** Downloads to a temporary file beside {@code target}, then moves it into place. */
    public void download(String key, Path target) {
        call("download " + key, () -> {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".part");
            Files.deleteIfExists(tmp);
            client.downloadObject(DownloadObjectArgs.builder().bucket(bucket).object(key).filename(tmp.toString())
                    .overwrite(true).build());
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return null;
        });
    }

    public Optional<byte[]> get(String key) {
        return call("get " + key, () -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                return Optional.of(in.readAllBytes());
            } catch (ErrorResponseException e) {
                if (isMissing(e)) {
                    return Optional.<byte[]>empty();
                }
                throw e;
            }
        });
    }

    public <T> Optional<T> getJson(String key, Class<T> type) {
        return get(key).map(bytes -> ContractCodec.decode(bytes, type));
    }

    public boolean exists(String key) {
        return call("stat " + key, () -> {
            try {
                client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
                return true;
            } catch (ErrorResponseException e) {
                if (isMissing(e)) {
                    return false;
                }
                throw e;
            }
        });
    }

    /** Keys under a prefix, recursively, in lexical order. */
    public List<String> list(String prefix) {
        return call("list " + prefix, () -> {
            List<String> keys = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                    .recursive(true).build())) {
                keys.add(r.get().objectName());
            }
            return keys;
        });
    }

    /** The next level of "folders" under a prefix (for example the versions of a dataset). */
    public List<String> children(String prefix) {
        return call("list " + prefix, () -> {
            List<String> names = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                    .recursive(false).build())) {
                String name = r.get().objectName().substring(prefix.length());
                names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
            }
            return names;
        });
    }

    public void delete(String key) {
        call("delete " + key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
        });
    }

    public void deletePrefix(String prefix) {
        for (String key : list(prefix)) {
            delete(key);
        }
    }

    private static boolean isMissing(ErrorResponseException e) {
        String code = e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code);
    }

    private <T> T call(String what, StorageCall<T> call) {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new StorageException("object storage failed to " + what + " in bucket " + bucket + ": "
                    + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface StorageCall<T> {
        T run() throws Exception;
    }
}
