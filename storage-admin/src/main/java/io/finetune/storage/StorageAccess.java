package io.finetune.storage;

import java.util.List;

/** What a user may do under one key prefix of the bucket. */
public record StorageAccess(String prefix, List<Right> rights) {
    /** The S3 actions behind each right, as MinIO's policy language names them. */
    public enum Right {
        /** GetObject (also HEAD), and listing the keys under the prefix. */
        READ(List.of("s3:GetObject")),
        /** PutObject (single and multipart, conditional or not); an interrupted multipart upload may be aborted. */
        WRITE(List.of("s3:PutObject", "s3:AbortMultipartUpload")),
        DELETE(List.of("s3:DeleteObject"));

        private final List<String> actions;

        Right(List<String> actions) {
            this.actions = actions;
        }

        public List<String> actions() {
            return actions;
        }
    }

    public StorageAccess {
        if (prefix == null || !prefix.endsWith("/") || prefix.startsWith("/") || prefix.contains("*")) {
            throw new IllegalArgumentException("expected a key prefix ending in '/', without '*', found '" + prefix
                    + "'");
        }
        if (rights == null || rights.isEmpty()) {
            throw new IllegalArgumentException("expected at least one right on " + prefix + ", found none");
        }
        rights = List.copyOf(rights);
    }

    public static StorageAccess read(String prefix) {
        return new StorageAccess(prefix, List.of(Right.READ));
    }

    public static StorageAccess write(String prefix) {
        return new StorageAccess(prefix, List.of(Right.WRITE));
    }

    public static StorageAccess readWrite(String prefix) {
        return new StorageAccess(prefix, List.of(Right.READ, Right.WRITE));
    }

    public static StorageAccess readWriteDelete(String prefix) {
        return new StorageAccess(prefix, List.of(Right.READ, Right.WRITE, Right.DELETE));
    }

    public boolean allows(Right right) {
        return rights.contains(right);
    }
}
