package io.finetune.imaging;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import io.finetune.contracts.RejectReason;

import javax.imageio.ImageIO;
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
 * (alpha over white); EXIF orientation is honoured. Thread-safe.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false);
        ImageIO.scanForPlugins();
    }

    private final DecodeLimits limits;

    public ImageDecoder(DecodeLimits limits) {
        this.limits = limits;
    }

    public ImageDecoder() {
        this(DecodeLimits.DEFAULT);
    }

    public DecodeLimits limits() {
        return limits;
    }

    public DecodedImage decode(byte[] bytes) throws ImageRejectedException {
        if (bytes == null || bytes.length == 0) {
            throw new ImageRejectedException(RejectReason.EMPTY_FILE, "the file is empty (0 bytes)");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new ImageRejectedException(RejectReason.TOO_LARGE, "expected at most " + limits.maxBytes()
                    + " bytes, found " + bytes.length);
        }
        ImageFormat format = ImageFormat.sniff(bytes).orElseThrow(() -> notAccepted(bytes));
        checkComplete(format, bytes);
        BufferedImage decoded = read(format, bytes);
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

    private BufferedImage read(ImageFormat format, byte[] bytes) throws ImageRejectedException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format == ImageFormat.JPEG ? "jpeg"
                : "png");
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + format + " on the classpath");
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
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
            BufferedImage image = reader.read(0);
            if (!warnings.isEmpty()) {
                throw new ImageRejectedException(RejectReason.CORRUPT_IMAGE, format + " decoded with errors: "
                        + warnings.get(0));
            }
            return image;
        } catch (IOException | RuntimeException e) {
            throw new ImageRejectedException(RejectReason.CORRUPT_IMAGE, format + " cannot be decoded: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } finally {
            reader.dispose();
        }
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
