package io.finetune.imaging;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import io.finetune.contracts.RejectReason;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Turns encoded bytes into an upright 8-bit RGB image, or says exactly why it cannot: empty, too large, not an
 * image, an unsupported format, a decompression bomb, truncated or corrupt. Grayscale, CMYK and alpha become RGB
 * (alpha over white); EXIF orientation is honoured. At most as many images are decoded at once as its
 * {@link DecodeGate} admits. Thread-safe.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false);
        ImageIO.scanForPlugins();
    }

    /**
     * TwelveMonkeys' warning for a CMYK or YCCK JPEG without an embedded ICC profile (common from print workflows and
     * older cameras): the pixels are intact and are converted with its device-CMYK default (Adobe's inverted storage
     * undone, then R = (1 - C)(1 - K) and so on), so this warning is not a sign of corruption.
     */
    private static final String NO_CMYK_PROFILE = "No embedded ICC color profile";

    private final DecodeLimits limits;
    private final DecodeGate gate;

    public ImageDecoder(DecodeLimits limits, DecodeGate gate) {
        this.limits = limits;
        this.gate = gate;
    }

    public ImageDecoder(DecodeLimits limits) {
        this(limits, DecodeGate.OPEN);
    }

    public ImageDecoder() {
        this(DecodeLimits.DEFAULT);
    }

    public DecodeLimits limits() {
        return limits;
    }

    /** The image at full size. */
    public DecodedImage decode(byte[] bytes) throws ImageRejectedException {
        return decode(bytes, 0);
    }

    /**
     * The image, read with source subsampling when it is much larger than needed: every n-th pixel of every n-th
     * row, with n the largest integer that keeps the shorter side at least {@code 2 * targetSide}, so a 6300 x 6300
     * PNG for a 224-pixel model costs a 450 x 450 image, never a full-size copy (and an extremely elongated one at
     * most {@code 64 * targetSide^2} pixels). The caller's resize to
     * {@code targetSide} still has at least twice the pixels it needs (no visible aliasing). {@code targetSide <= 0}
     * reads at full size.
     */
    public DecodedImage decode(byte[] bytes, int targetSide) throws ImageRejectedException {
        if (bytes == null || bytes.length == 0) {
            throw new ImageRejectedException(RejectReason.EMPTY_FILE, "the file is empty (0 bytes)");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new ImageRejectedException(RejectReason.TOO_LARGE, "expected at most " + limits.maxBytes()
                    + " bytes, found " + bytes.length);
        }
        ImageFormat format = ImageFormat.sniff(bytes).orElseThrow(() -> notAccepted(bytes));
        checkComplete(format, bytes);
        BufferedImage decoded = read(format, bytes, targetSide);
        BufferedImage rgb = toRgb(decoded);
        if (format == ImageFormat.JPEG) {
            rgb = ExifOrientation.apply(rgb, orientation(bytes));
        }
        return new DecodedImage(rgb, format);
    }

    private static ImageRejectedException notAccepted(byte[] bytes) {
        Optional<String> other = ImageFormat.otherImageFormat(bytes);
        if (other.isPresent()) {
            return new ImageRejectedException(RejectReason.UNSUPPORTED_FORMAT, "expected JPEG or PNG, found "
                    + other.get());
        }
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < Math.min(4, bytes.length); i++) {
            head.append(String.format("%02x", bytes[i] & 0xff));
        }
        return new ImageRejectedException(RejectReason.NOT_AN_IMAGE, "expected JPEG or PNG content, found bytes "
                + "starting 0x" + head + " (not an image)");
    }

    private static void checkComplete(ImageFormat format, byte[] b) throws ImageRejectedException {
        int end = b.length;
        if (format == ImageFormat.JPEG) {
            while (end > 2 && b[end - 1] == 0) {
                end--;
            }
            if (end < 4 || (b[end - 2] & 0xff) != 0xFF || (b[end - 1] & 0xff) != 0xD9) {
                throw new ImageRejectedException(RejectReason.TRUNCATED_IMAGE, "JPEG ends without its end-of-image "
                        + "marker after " + b.length + " bytes (truncated)");
            }
        } else if (end < 12 || b[end - 8] != 'I' || b[end - 7] != 'E' || b[end - 6] != 'N' || b[end - 5] != 'D') {
            throw new ImageRejectedException(RejectReason.TRUNCATED_IMAGE, "PNG ends without its IEND chunk after "
                    + b.length + " bytes (truncated)");
        }
    }

    private BufferedImage read(ImageFormat format, byte[] bytes, int targetSide) throws ImageRejectedException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format == ImageFormat.JPEG ? "jpeg"
                : "png");
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + format + " on the classpath");
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener((source, warning) -> {
                if (!warning.startsWith(NO_CMYK_PROFILE)) {
                    warnings.add(warning);
                }
            });
            long width = reader.getWidth(0);
            long height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new ImageRejectedException(RejectReason.CORRUPT_IMAGE, "expected positive dimensions, found "
                        + width + "x" + height);
            }
            if (width * height > limits.maxPixels()) {
                throw new ImageRejectedException(RejectReason.TOO_MANY_PIXELS, "expected at most "
                        + limits.maxPixels() + " pixels, found " + width + "x" + height + " = " + width * height);
            }
            ImageReadParam param = reader.getDefaultReadParam();
            int step = subsampling(width, height, targetSide);
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            DecodeGate.Pass pass;
            try {
                pass = gate.enter(width * height);
            } catch (RuntimeException refused) {
                throw new GateRefusal(refused);
            }
            BufferedImage image;
            try (pass) {
                image = reader.read(0, param);
            }
            if (!warnings.isEmpty()) {
                throw new ImageRejectedException(RejectReason.CORRUPT_IMAGE, format + " decoded with errors: "
                        + warnings.get(0));
            }
            return image;
        } catch (GateRefusal e) {
            throw e.refusal; // the service is busy: not the image's fault
        } catch (IOException | RuntimeException e) {
            throw new ImageRejectedException(RejectReason.CORRUPT_IMAGE, format + " cannot be decoded: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * The largest step that keeps the shorter side at least twice {@code targetSide}, or larger for an extremely
     * elongated image so that at most {@code 64 * targetSide^2} pixels are decoded; 1 for no subsampling.
     */
    static int subsampling(long width, long height, int targetSide) {
        if (targetSide <= 0) {
            return 1;
        }
        long byShorterSide = Math.min(width, height) / (2L * targetSide);
        long byPixels = (long) Math.ceil(Math.sqrt((double) width * height / (64.0 * targetSide * targetSide)));
        return (int) Math.max(1, Math.max(byShorterSide, byPixels));
    }

    static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        BufferedImage rgb = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            if (src.getColorModel().hasAlpha()) {
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, src.getWidth(), src.getHeight());
            }
            g.drawImage(src, 0, 0, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    /** Carries the gate's refusal past the handler that turns reader failures into CORRUPT_IMAGE. */
    private static final class GateRefusal extends RuntimeException {
        private final RuntimeException refusal;

        GateRefusal(RuntimeException refusal) {
            super(refusal.getMessage(), refusal, false, false);
            this.refusal = refusal;
        }
    }

    private static int orientation(byte[] bytes) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes), bytes.length);
            ExifIFD0Directory exif = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (exif != null && exif.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                return exif.getInt(ExifIFD0Directory.TAG_ORIENTATION);
            }
        } catch (Exception e) {
            // Unreadable metadata does not make the pixels unusable: the image is kept upright as stored.
            return 1;
        }
        return 1;
    }
}
