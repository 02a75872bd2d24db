package io.finetune.storage;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.admin.MinioAdminClient;
import io.minio.admin.UserInfo;
import io.minio.errors.ErrorResponseException;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Creates the bucket, one policy per {@link StorageUser} and its user, through MinIO's admin API with the root
 * credentials. Idempotent: a policy is replaced by the current one, a user's secret is set to the one given, its
 * policy attached again; run it on every start.
 */
public final class StorageProvisioner {
    private final String endpoint;
    private final StorageCredentials root;
    private final String bucket;

    public StorageProvisioner(String endpoint, StorageCredentials root, String bucket) {
        if (endpoint == null || !endpoint.matches("https?://.+")) {
            throw new IllegalArgumentException("expected an http(s):// MinIO endpoint, found '" + endpoint + "'");
        }
        this.endpoint = endpoint;
        this.root = root;
        this.bucket = bucket;
    }

    /** The bucket, then every user of {@code users} with its policy. */
    public void provision(Map<StorageUser, StorageCredentials> users) {
        Set<String> keys = new HashSet<>(Set.of(root.accessKey()));
        users.forEach((user, credentials) -> {
            if (!keys.add(credentials.accessKey())) {
                throw new IllegalArgumentException("expected an access key of its own for " + user.userName()
                        + ", found '" + credentials.accessKey() + "' in use by the root user or another service");
            }
        });
        ensureBucket();
        MinioAdminClient admin = MinioAdminClient.builder().endpoint(endpoint)
                .credentials(root.accessKey(), root.secretKey()).build();
        users.forEach((user, credentials) -> call("provision user " + credentials.accessKey() + " with policy "
                + user.policyName(), () -> {
            admin.addCannedPolicy(user.policyName(), user.policyJson(bucket));
            admin.addUser(credentials.accessKey(), UserInfo.Status.ENABLED, credentials.secretKey(), null, null);
            admin.setPolicy(credentials.accessKey(), false, user.policyName());
        }));
    }

    private void ensureBucket() {
        MinioClient client = MinioClient.builder().endpoint(endpoint)
                .credentials(root.accessKey(), root.secretKey()).build();
        call("create bucket " + bucket, () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    // created by a concurrent run between our check and our request: what we wanted
                    if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                        throw e;
                    }
                }
            }
        });
    }

    private void call(String what, AdminCall call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("MinIO at " + endpoint + " refused to " + what + ": " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface AdminCall {
        void run() throws Exception;
    }
}
