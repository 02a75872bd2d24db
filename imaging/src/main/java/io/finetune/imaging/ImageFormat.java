package io.finetune.imaging;

import java.util.Optional;

/** Formats accepted for training and serving, recognized by their magic bytes, never by file name. */
public enum ImageFormat {
    JPEG("jpg"), PNG("png");

    private final String extension;

    ImageFormat(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    public static Optional<ImageFormat> sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return Optional.of(JPEG);
        }
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return Optional.of(PNG);
        }
        return Optional.empty();
    }

    /** Names other image formats we recognize but do not accept, so the error can say which one was found. */
    static Optional<String> otherImageFormat(byte[] b) {
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
            return Optional.of("GIF");
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return Optional.of("BMP");
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
                && b[10] == 'B' && b[11] == 'P') {
            return Optional.of("WebP");
        }
        if (b.length >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42) || (b[0] == 'M' && b[1] == 'M'
                && b[3] == 42))) {
            return Optional.of("TIFF");
        }
        if (b.length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
            return Optional.of("HEIF/AVIF");
        }
        return Optional.empty();
    }
}
