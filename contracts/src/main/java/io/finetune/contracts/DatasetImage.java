package io.finetune.contracts;

/**
 * One line of a dataset version's {@code manifest.jsonl}.
 *
 * <p>The image's bytes live in a shard: {@code length} bytes at {@code offset} of the object {@code shard}
 * ({@link ObjectLayout#datasetShard}), so that an ingest writes a few large objects instead of one per image.
 * Lines written before shards existed have no {@code shard}, {@code offset} or {@code length}: the image is then its
 * own object at {@code key}.
 *
 * @param key           the image's name in the version, {@code datasets/{name}/{version}/{split}/{class}/{sha256}.{ext}}
 *                      (unique per line; its own object only when {@code shard} is null)
 * @param augmentedFrom sha256 of the source image when this is an offline-augmented copy, else null
 * @param augmentation  what was applied to make the copy (for example {@code flip,rot=-4.2,crop=0.91}), else null
 * @param shard         object key of the shard holding the bytes, or null when the image is its own object at key
 * @param offset        where the bytes start in the shard (with a shard)
 * @param length        how many bytes (with a shard)
 */
public record DatasetImage(String key, String className, Split split, String sha256, int width, int height,
                           String sourceFile, String augmentedFrom, String augmentation, String shard, Long offset,
                           Long length) {
}
