package io.finetune.dataset;

import io.finetune.imaging.DecodedImage;
import io.finetune.imaging.ImageDecoder;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.imaging.ImageResizer;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Validates one image with the shared {@link ImageDecoder} and produces the bytes to store under the storage
 * policy: the source bytes unchanged (originals), or the upright RGB image shrunk to the maximum side and encoded
 * as JPEG (resized). Thread-safe.
 */
public final class ImageProcessor {
    static final float JPEG_QUALITY = 0.9f;

    private final ImageDecoder decoder;
    private final IngestTimings timings;

    /** An accepted image: the bytes to store and the pixels they hold (for augmentation). */
    public record Processed(byte[] bytes, String extension, String sha256, int width, int height,
                            BufferedImage pixels) {
    }

    public ImageProcessor(ImageDecoder decoder, IngestTimings timings) {
        this.decoder = decoder;
        this.timings = timings;
    }

    public long maxBytes() {
        return decoder.limits().maxBytes();
    }

    public Processed process(byte[] source, IngestOptions options) throws ImageRejectedException {
        long t0 = System.nanoTime();
        DecodedImage decoded = decoder.decode(source);
        long t1 = System.nanoTime();
        timings.decode(t1 - t0);
        if (options.storage() == StoragePolicy.ORIGINALS) {
            return new Processed(source, decoded.format().extension(), Hashes.sha256(source), decoded.width(),
                    decoded.height(), decoded.rgb());
        }
        BufferedImage resized = ImageResizer.fitWithin(decoded.rgb(), options.maxSide());
        byte[] jpeg = jpeg(resized);
        timings.resize(System.nanoTime() - t1);
        return new Processed(jpeg, "jpg", Hashes.sha256(jpeg), resized.getWidth(), resized.getHeight(), resized);
    }

    /** Baseline JPEG at a fixed quality: deterministic for the same pixels. */
    public static byte[] jpeg(BufferedImage rgb) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(4096, rgb.getWidth() * rgb.getHeight() / 4));
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.write(null, new IIOImage(rgb, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding failed in memory", e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
