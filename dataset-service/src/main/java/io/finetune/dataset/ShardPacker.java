package io.finetune.dataset;

import java.io.ByteArrayOutputStream;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Packs the stored images of one ingest into shards of about {@code targetBytes}: each image's bytes are appended
 * to the open shard, and a shard is sealed (handed out for upload) before an image would take it past the target,
 * so a shard exceeds the target only when it holds one image that is larger on its own. The same content (same
 * sha256) is packed once and every later add returns the first slice. Thread-safe; one packer per ingest.
 *
 * <p>Why: storing one object per image costs MinIO about 1 ms of CPU and the client about as much per PUT, as much
 * as decoding the image; a few-MB shard costs the same per request for hundreds of images.
 */
final class ShardPacker {
    /** Where an image's bytes are: {@code length} bytes at {@code offset} of the shard object {@code shard}. */
    record Slice(String shard, long offset, long length) {
    }

    /** A full shard, ready to upload under {@code key}. */
    record Sealed(String key, byte[] bytes) {
    }

    /** What {@link #add} did: where the image is, and the shard that the add sealed (or null). */
    record Added(Slice slice, Sealed sealed) {
    }

    private final IntFunction<String> keyOfShard;
    private final long targetBytes;
    private final Map<String, Slice> bySha = new HashMap<>();
    private ByteArrayOutputStream open;
    private String openKey;
    private int nextIndex;

    /**
     * @param keyOfShard  object key of shard {@code index} (0, 1, ...)
     * @param targetBytes seal a shard before an image would take it past this many bytes
     */
    ShardPacker(IntFunction<String> keyOfShard, long targetBytes) {
        if (targetBytes < 1) {
            throw new IllegalArgumentException("expected a shard size of at least 1 byte, found " + targetBytes);
        }
        this.keyOfShard = keyOfShard;
        this.targetBytes = targetBytes;
    }

    /** Packs {@code bytes} (content hash {@code sha256}) unless that content is packed already. */
    synchronized Added add(String sha256, byte[] bytes) {
        Slice known = bySha.get(sha256);
        if (known != null) {
            return new Added(known, null);
        }
        Sealed sealed = null;
        if (open != null && open.size() > 0 && open.size() + (long) bytes.length > targetBytes) {
            sealed = seal();
        }
        if (open == null) {
            openKey = keyOfShard.apply(nextIndex++);
            open = new ByteArrayOutputStream((int) Math.min(Math.max(targetBytes, bytes.length), Integer.MAX_VALUE
                    - 8));
        }
        Slice slice = new Slice(openKey, open.size(), bytes.length);
        open.writeBytes(bytes);
        bySha.put(sha256, slice);
        return new Added(slice, sealed);
    }

    /** Seals the open shard, if it holds anything: the last shard of an ingest. */
    synchronized List<Sealed> flush() {
        return open == null || open.size() == 0 ? List.of() : List.of(seal());
    }

    /** A fresh key after every shard handed out so far (for shards rewritten after packing). */
    synchronized String nextKey() {
        return keyOfShard.apply(nextIndex++);
    }

    /** A shard rewritten under {@code key} with only the kept slices, and where each kept slice went. */
    record Repacked(Sealed shard, Map<Slice, Slice> moved) {
    }

    /**
     * Rewrites {@code shard} (the bytes of the object {@code from}) with only the {@code kept} slices, back to back
     * in their original order, as the object {@code key}: for shards that hold images rejected after packing.
     */
    static Repacked repack(String from, byte[] shard, Collection<Slice> kept, String key) {
        List<Slice> ordered = kept.stream().distinct().sorted(Comparator.comparingLong(Slice::offset)).toList();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<Slice, Slice> moved = new HashMap<>();
        for (Slice s : ordered) {
            if (!s.shard().equals(from) || s.offset() < 0 || s.offset() + s.length() > shard.length) {
                throw new IllegalArgumentException("expected a slice of " + from + " within its " + shard.length
                        + " bytes, found " + s);
            }
            moved.put(s, new Slice(key, out.size(), s.length()));
            out.write(shard, (int) s.offset(), (int) s.length());
        }
        return new Repacked(new Sealed(key, out.toByteArray()), moved);
    }

    private Sealed seal() {
        Sealed sealed = new Sealed(openKey, open.toByteArray());
        open = null;
        openKey = null;
        return sealed;
    }
}
