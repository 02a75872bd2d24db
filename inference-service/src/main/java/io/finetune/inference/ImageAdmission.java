package io.finetune.inference;

import io.finetune.contracts.RejectReason;
import io.finetune.imaging.ImageFormat;
import io.finetune.imaging.ImageRejectedException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * The service's own limits, checked before an image reaches the model: size in bytes, and width x height read
 * from the header without decoding a pixel. Everything else (format, truncation, corruption) is the {@code ml}
 * module's decoder's job, so serving rejects exactly what training would.
 */
@Singleton
class ImageAdmission {
    private final long maxBytes;
    private final long maxPixels;

    @Inject
    ImageAdmission(InferenceConfiguration config) {
        this(config.maxImageBytes(), config.maxImagePixels());
    }

    ImageAdmission(long maxBytes, long maxPixels) {
        this.maxBytes = maxBytes;
        this.maxPixels = maxPixels;
    }

    void check(byte[] image) throws ImageRejectedException {
        if (image == null || image.length == 0) {
            throw new ImageRejectedException(RejectReason.EMPTY_FILE, "expected an image, found an empty body "
                    + "(0 bytes)");
        }
        if (image.length > maxBytes) {
            throw new ImageRejectedException(RejectReason.TOO_LARGE, "expected at most " + maxBytes + " bytes, found "
                    + image.length);
        }
        if (ImageFormat.sniff(image).isEmpty()) {
            return; // the decoder names what it is (not an image, or an unsupported format)
        }
        long[] size = headerSize(image);
        if (size != null && size[0] * size[1] > maxPixels) {
            throw new ImageRejectedException(RejectReason.TOO_MANY_PIXELS, "expected at most " + maxPixels
                    + " pixels, found " + size[0] + "x" + size[1] + " = " + size[0] * size[1]);
        }
    }

    /** Width and height from the header, or null when the header cannot be read (the decoder reports why). */
    private static long[] headerSize(byte[] image) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(image))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new long[]{reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
