package io.finetune.dataset;

/** What is stored per image: the source bytes as they came, or a normalized JPEG no larger than a maximum side. */
public enum StoragePolicy {
    ORIGINALS, RESIZED
}
