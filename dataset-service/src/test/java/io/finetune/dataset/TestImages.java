package io.finetune.dataset;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/** Small generated images, one per kind of good and bad input the ingest must handle. */
final class TestImages {
    private TestImages() {
    }

    static BufferedImage picture(int w, int h, long seed, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Random r = new Random(seed);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(r.nextInt(0xffffff)));
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < 6; i++) {
            g.setColor(new Color(r.nextInt(0xffffff), type == BufferedImage.TYPE_INT_ARGB));
            g.fillOval(r.nextInt(w), r.nextInt(h), 1 + r.nextInt(w), 1 + r.nextInt(h));
        }
        g.dispose();
        return img;
    }

    static byte[] jpeg(int w, int h, long seed) {
        return encode(picture(w, h, seed, BufferedImage.TYPE_INT_RGB), "jpeg");
    }

    static byte[] png(int w, int h, long seed) {
        return encode(picture(w, h, seed, BufferedImage.TYPE_INT_RGB), "png");
    }

    static byte[] pngWithAlpha(int w, int h, long seed) {
        return encode(picture(w, h, seed, BufferedImage.TYPE_INT_ARGB), "png");
    }

    static byte[] grayJpeg(int w, int h, long seed) {
        return encode(picture(w, h, seed, BufferedImage.TYPE_BYTE_GRAY), "jpeg");
    }

    static byte[] gif(int w, int h, long seed) {
        return encode(picture(w, h, seed, BufferedImage.TYPE_INT_RGB), "gif");
    }

    /** A four-channel (CMYK) JPEG, written as a raster the way print workflows produce them. */
    static byte[] cmykJpeg(int w, int h, long seed) {
        Random r = new Random(seed);
        WritableRaster raster = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.setPixel(x, y, new int[]{(x * 4 + (int) seed) & 0xff, (y * 4) & 0xff, r.nextInt(64), 20});
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream s = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(s);
            writer.write(null, new IIOImage(raster, null, null), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** A JPEG whose pixels are stored sideways with an EXIF orientation tag (6: rotate 90 degrees clockwise). */
    static byte[] exifRotatedJpeg(int storedWidth, int storedHeight, long seed, int orientation) {
        byte[] jpeg = jpeg(storedWidth, storedHeight, seed);
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0,
                0, 0, 0, 0};
        byte[] exif = new byte[6 + tiff.length];
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
        System.arraycopy(tiff, 0, exif, 6, tiff.length);
        int len = exif.length + 2;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xFF);
        out.write(0xD8);
        out.write(0xFF);
        out.write(0xE1);
        out.write(len >> 8);
        out.write(len & 0xff);
        out.writeBytes(exif);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    static byte[] truncatedJpeg(long seed) {
        byte[] jpeg = jpeg(64, 48, seed);
        return Arrays.copyOf(jpeg, jpeg.length / 2);
    }

    /** Intact start and end markers, garbage where the tables should be. */
    static byte[] corruptJpeg(long seed) {
        byte[] jpeg = jpeg(64, 48, seed);
        for (int i = 4; i < Math.min(jpeg.length - 2, 200); i++) {
            jpeg[i] = (byte) 0x5A;
        }
        return jpeg;
    }

    static byte[] notAnImage() {
        return "this is a text file, not a picture\n".getBytes(StandardCharsets.UTF_8);
    }

    /** A tiny file that claims a huge canvas: a black PNG of width x height (compresses to almost nothing). */
    static byte[] hugeCanvasPng(int w, int h) {
        return encode(new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY), "png");
    }

    static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
