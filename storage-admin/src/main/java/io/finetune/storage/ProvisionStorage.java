package io.finetune.storage;

import io.finetune.contracts.ObjectLayout;

import java.util.EnumMap;
import java.util.Map;

/**
 * The provisioning step as a program, for ./finetune up, docker compose (service storage-init) and the Kubernetes
 * Job storage-init. Reads {@code FINETUNE_STORAGE_ENDPOINT}, {@code FINETUNE_STORAGE_BUCKET} (default finetune),
 * MinIO's root credentials ({@code MINIO_ROOT_USER}, {@code MINIO_ROOT_PASSWORD}) and each service's
 * ({@code DATASET_STORAGE_ACCESS_KEY}, {@code DATASET_STORAGE_SECRET_KEY}, {@code TRAINER_...},
 * {@code INFERENCE_...}); exits 2 naming what is missing or wrong, 1 when MinIO refuses.
 */
public final class ProvisionStorage {
    private ProvisionStorage() {
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        try {
            String endpoint = required(env, "FINETUNE_STORAGE_ENDPOINT");
            String bucket = env.getOrDefault("FINETUNE_STORAGE_BUCKET", ObjectLayout.DEFAULT_BUCKET);
            StorageCredentials root = new StorageCredentials(required(env, "MINIO_ROOT_USER"),
                    required(env, "MINIO_ROOT_PASSWORD"));
            Map<StorageUser, StorageCredentials> users = usersFrom(env);
            new StorageProvisioner(endpoint, root, bucket).provision(users);
            users.forEach((user, c) -> System.out.println("Storage: user " + c.accessKey() + " has policy "
                    + user.policyName() + " on bucket " + bucket));
        } catch (IllegalArgumentException e) {
            System.err.println("Storage: " + e.getMessage());
            System.exit(2);
        } catch (IllegalStateException e) {
            System.err.println("Storage: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Every service's credentials from the environment, by {@link StorageUser#accessKeyVariable()} and so on. */
    public static Map<StorageUser, StorageCredentials> usersFrom(Map<String, String> env) {
        Map<StorageUser, StorageCredentials> users = new EnumMap<>(StorageUser.class);
        for (StorageUser user : StorageUser.values()) {
            users.put(user, new StorageCredentials(required(env, user.accessKeyVariable()),
                    required(env, user.secretKeyVariable())));
        }
        return users;
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("expected the environment variable " + name + ", found none");
        }
        return value;
    }
}
