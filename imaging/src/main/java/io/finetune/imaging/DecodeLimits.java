package io.finetune.imaging;

/**
 * Bounds that protect a process from hostile or absurd inputs.
 *
 * @param maxBytes  largest encoded size accepted
 * @param maxPixels largest width x height accepted, checked from the header before any pixel is decoded
 *                  (decompression bombs)
 */
public record DecodeLimits(long maxBytes, long maxPixels) {
    public static final DecodeLimits DEFAULT = new DecodeLimits(32L << 20, 40_000_000L);

    public DecodeLimits {
        if (maxBytes <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("expected positive limits, found maxBytes=" + maxBytes
                    + " maxPixels=" + maxPixels);
        }
    }
}
