package io.finetune.storage;

/** An access key and its secret. MinIO wants 3 or more characters for the key and 8 to 40 for the secret. */
public record StorageCredentials(String accessKey, String secretKey) {
    public StorageCredentials {
        if (accessKey == null || accessKey.length() < 3 || !accessKey.matches("[A-Za-z0-9._@-]+")) {
            throw new IllegalArgumentException("expected an access key of 3 or more letters, digits, '.', '_', '@' or "
                    + "'-', found '" + accessKey + "'");
        }
        if (secretKey == null || secretKey.length() < 8 || secretKey.length() > 40) {
            throw new IllegalArgumentException("expected a secret key of 8 to 40 characters for " + accessKey
                    + ", found " + (secretKey == null ? "none" : secretKey.length() + " characters"));
        }
    }

    /** Never the secret: these end up in logs and exception messages. */
    @Override
    public String toString() {
        return "StorageCredentials[" + accessKey + "]";
    }
}
