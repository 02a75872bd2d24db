package io.finetune.inference;

/** Model versions are positive integers written as strings; this is how they compare. */
final class ModelVersions {
    private ModelVersions() {
    }

    static boolean isVersion(String v) {
        if (v == null || v.isEmpty() || v.length() > 18 || v.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            if (!Character.isDigit(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static long number(String v) {
        if (!isVersion(v)) {
            throw new IllegalArgumentException("expected a model version as a positive integer, found '" + v + "'");
        }
        return Long.parseLong(v);
    }

    /** True when {@code candidate} is a later version than {@code current} (any version beats none). */
    static boolean isNewer(String candidate, String current) {
        return current == null || number(candidate) > number(current);
    }
}
