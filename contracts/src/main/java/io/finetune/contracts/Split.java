package io.finetune.contracts;

/** Dataset splits; their lower-case names appear in object keys. */
public enum Split {
    TRAIN, VALIDATION, TEST;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Split fromKey(String key) {
        return switch (key.toLowerCase(java.util.Locale.ROOT)) {
            case "train" -> TRAIN;
            case "validation", "valid", "val" -> VALIDATION;
            case "test" -> TEST;
            default -> throw new IllegalArgumentException(
                    "expected split train, validation (valid, val) or test, found '" + key + "'");
        };
    }
}
