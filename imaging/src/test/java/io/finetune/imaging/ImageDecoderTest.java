package io.finetune.imaging;

import io.finetune.contracts.RejectReason;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every image is generated here; no fixtures on disk. */
class ImageDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder();

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), "no ImageIO writer for " + format);
        return out.toByteArray();
    }

    private static BufferedImage halves(int width, int height, Color left, Color right) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(left);
        g.fillRect(0, 0, width / 2, height);
        g.setColor(right);
        g.fillRect(width / 2, 0, width - width / 2, height);
        g.dispose();
        return img;
    }

    private RejectReason rejection(byte[] bytes) {
        return assertThrows(ImageRejectedException.class, () -> decoder.decode(bytes)).reason();
    }

    @Test
    void rgbJpegAndPngDecodeToRgbOfTheSameSize() throws Exception {
        BufferedImage img = halves(30, 20, Color.RED, Color.BLUE);
        for (String format : new String[]{"jpg", "png"}) {
            DecodedImage decoded = decoder.decode(encode(img, format));
            assertEquals(30, decoded.width());
            assertEquals(20, decoded.height());
            assertEquals(BufferedImage.TYPE_INT_RGB, decoded.rgb().getType());
        }
        assertEquals(ImageFormat.PNG, decoder.decode(encode(img, "png")).format());
    }

    @Test
    void grayscaleBecomesRgbWithEqualChannels() throws Exception {
        BufferedImage gray = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(3, 3, 0, 200);
        DecodedImage decoded = decoder.decode(encode(gray, "png"));
        int rgb = decoded.rgb().getRGB(3, 3);
        assertEquals((rgb >> 16) & 0xff, rgb & 0xff);
        assertEquals((rgb >> 8) & 0xff, rgb & 0xff);
        assertTrue((rgb & 0xff) > 150);
    }

    @Test
    void transparentPixelsOfAnAlphaPngBecomeWhite() throws Exception {
        BufferedImage argb = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(1, 1, 0xFF0000FF);
        DecodedImage decoded = decoder.decode(encode(argb, "png"));
        assertEquals(0xFFFFFF, decoded.rgb().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x0000FF, decoded.rgb().getRGB(1, 1) & 0xFFFFFF);
    }

    @Test
    void cmykJpegBecomesRgb() throws Exception {
        byte[] cmyk = fourChannelJpeg(16, 16, new int[]{0, 255, 255, 0});
        Assumptions.assumeTrue(cmyk != null, "no JPEG writer for 4-channel rasters here");
        DecodedImage decoded = decoder.decode(cmyk);
        assertEquals(16, decoded.width());
        assertEquals(BufferedImage.TYPE_INT_RGB, decoded.rgb().getType());
    }

    @Test
    void cmykAndYcckJpegsWithoutAnIccProfileAreAcceptedAndConverted() throws Exception {
        // As Photoshop and print workflows store them: an Adobe APP14 marker, CMYK inverted, no ICC profile.
        // Red is C=0 M=255 Y=255 K=0, stored inverted as 255 0 0 255.
        byte[] cmyk = fourChannelJpeg(16, 16, new int[]{255, 0, 0, 255});
        Assumptions.assumeTrue(cmyk != null, "no JPEG writer for 4-channel rasters here");
        assertRed(decoder.decode(withAdobeMarker(cmyk, 0)));
        // YCCK (transform 2): the inverted C, M, Y as YCbCr (of 0 255 255: Y 179, Cb 171, Cr 1) and K as stored.
        assertRed(decoder.decode(withAdobeMarker(fourChannelJpeg(16, 16, new int[]{179, 171, 1, 255}), 2)));
    }

    private static void assertRed(DecodedImage decoded) {
        assertEquals(BufferedImage.TYPE_INT_RGB, decoded.rgb().getType());
        Color c = new Color(decoded.rgb().getRGB(8, 8));
        assertTrue(c.getRed() > 220 && c.getGreen() < 40 && c.getBlue() < 40, "expected red, found " + c);
    }

    /** Inserts an Adobe APP14 segment (version 100, no flags, the colour transform given) right after SOI. */
    static byte[] withAdobeMarker(byte[] jpeg, int transform) {
        ByteBuffer out = ByteBuffer.allocate(jpeg.length + 16);
        out.put(jpeg, 0, 2).put((byte) 0xFF).put((byte) 0xEE).putShort((short) 14)
                .put("Adobe".getBytes(StandardCharsets.US_ASCII)).putShort((short) 100).putShort((short) 0)
                .putShort((short) 0).put((byte) transform).put(jpeg, 2, jpeg.length - 2);
        return out.array();
    }

    /** A JPEG of four raw channels, every pixel {@code pixel}, with no APP marker (no JFIF, Adobe or ICC). */
    private static byte[] fourChannelJpeg(int w, int h, int[] pixel) throws IOException {
        WritableRaster raster = WritableRaster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, w, h, 4,
                null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.setPixel(x, y, pixel);
            }
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        while (writers.hasNext()) {
            ImageWriter writer = writers.next();
            if (!writer.canWriteRasters()) {
                continue;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (var stream = ImageIO.createImageOutputStream(out)) {
                writer.setOutput(stream);
                writer.write(null, new IIOImage(raster, null, null), null);
                stream.flush();
                return out.toByteArray();
            } catch (IOException | RuntimeException e) {
                // try the next writer
            } finally {
                writer.dispose();
            }
        }
        return null;
    }

    @Test
    void exifOrientationSixIsRotatedUpright() throws Exception {
        byte[] jpeg = encode(halves(40, 20, Color.RED, Color.BLUE), "jpg");
        DecodedImage decoded = decoder.decode(withExifOrientation(jpeg, 6));
        assertEquals(20, decoded.width());
        assertEquals(40, decoded.height());
        Color top = new Color(decoded.rgb().getRGB(10, 5));
        Color bottom = new Color(decoded.rgb().getRGB(10, 35));
        assertTrue(top.getRed() > 200 && top.getBlue() < 60, "the left (red) half must be on top, found " + top);
        assertTrue(bottom.getBlue() > 200 && bottom.getRed() < 60, "blue must be at the bottom, found " + bottom);
    }

    /** Inserts an APP1 Exif segment (big-endian TIFF, one IFD0 entry: Orientation) right after SOI. */
    static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(26);
        tiff.put("MM".getBytes(StandardCharsets.US_ASCII)).putShort((short) 42).putInt(8);
        tiff.putShort((short) 1).putShort((short) 0x0112).putShort((short) 3).putInt(1)
                .putShort((short) orientation).putShort((short) 0).putInt(0);
        byte[] exifHeader = "Exif\0\0".getBytes(StandardCharsets.US_ASCII);
        int length = 2 + exifHeader.length + tiff.capacity();
        ByteBuffer out = ByteBuffer.allocate(jpeg.length + 2 + length);
        out.put(jpeg, 0, 2).put((byte) 0xFF).put((byte) 0xE1).putShort((short) length).put(exifHeader)
                .put(tiff.array()).put(jpeg, 2, jpeg.length - 2);
        return out.array();
    }

    @Test
    void truncatedJpegIsRejectedAsTruncated() throws Exception {
        byte[] jpeg = encode(halves(64, 64, Color.GREEN, Color.BLACK), "jpg");
        assertEquals(RejectReason.TRUNCATED_IMAGE, rejection(Arrays.copyOf(jpeg, jpeg.length / 2)));
    }

    @Test
    void emptyTextAndGifFilesAreRejectedWithTheirReason() throws Exception {
        assertEquals(RejectReason.EMPTY_FILE, rejection(new byte[0]));
        assertEquals(RejectReason.NOT_AN_IMAGE, rejection("just some notes, named .jpg".getBytes(
                StandardCharsets.UTF_8)));
        assertEquals(RejectReason.UNSUPPORTED_FORMAT, rejection(encode(halves(8, 8, Color.RED, Color.RED), "gif")));
    }

    @Test
    void headerClaimingHugeDimensionsIsRejectedBeforeDecoding() throws Exception {
        byte[] png = encode(halves(8, 8, Color.RED, Color.RED), "png");
        assertEquals(RejectReason.TOO_MANY_PIXELS, rejection(withPngDimensions(png, 100_000, 100_000)));
    }

    /** Rewrites IHDR width and height (and its CRC); IHDR data starts at byte 16. */
    static byte[] withPngDimensions(byte[] png, int width, int height) {
        byte[] out = png.clone();
        ByteBuffer b = ByteBuffer.wrap(out);
        b.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(out, 12, 17);
        b.putInt(29, (int) crc.getValue());
        return out;
    }

    @Test
    void filesOverTheByteLimitAreRejectedAsTooLarge() throws Exception {
        byte[] png = encode(halves(32, 32, Color.RED, Color.BLUE), "png");
        ImageDecoder small = new ImageDecoder(new DecodeLimits(png.length - 1, 1_000_000));
        assertEquals(RejectReason.TOO_LARGE,
                assertThrows(ImageRejectedException.class, () -> small.decode(png)).reason());
    }

    @Test
    void corruptJpegBodyIsRejectedAsCorrupt() throws Exception {
        byte[] jpeg = encode(halves(64, 64, Color.RED, Color.BLUE), "jpg");
        byte[] broken = new byte[jpeg.length];
        System.arraycopy(jpeg, 0, broken, 0, 4);
        Arrays.fill(broken, 4, broken.length - 2, (byte) 0x55);
        broken[broken.length - 2] = (byte) 0xFF;
        broken[broken.length - 1] = (byte) 0xD9;
        assertEquals(RejectReason.CORRUPT_IMAGE, rejection(broken));
    }

    @Test
    void aLargeImageIsReadSubsampledToAboutTwiceTheTargetSide() throws Exception {
        byte[] png = encode(halves(2000, 1200, Color.RED, Color.BLUE), "png");
        DecodedImage full = decoder.decode(png);
        DecodedImage reduced = decoder.decode(png, 100);
        assertEquals(2000, full.width());
        // step 1200 / (2 * 100) = 6: every 6th pixel of every 6th row
        assertEquals(334, reduced.width());
        assertEquals(200, reduced.height());
        assertEquals(BufferedImage.TYPE_INT_RGB, reduced.rgb().getType());
        assertEquals(0xFF0000, reduced.rgb().getRGB(10, 100) & 0xFFFFFF);
        assertEquals(0x0000FF, reduced.rgb().getRGB(320, 100) & 0xFFFFFF);
    }

    @Test
    void anElongatedImageIsSubsampledToAtMostSixtyFourTimesTheTargetSideSquared() throws Exception {
        byte[] png = encode(halves(6000, 200, Color.RED, Color.BLUE), "png");
        // the shorter side alone would allow step 2 (3000 x 100 = 300000 pixels > 64 * 50^2 = 160000)
        DecodedImage reduced = decoder.decode(png, 50);
        assertEquals(2000, reduced.width());
        assertEquals(67, reduced.height());
    }

    @Test
    void theGateIsEnteredWithTheStoredPixelCountAndItsRefusalStopsTheDecode() throws Exception {
        byte[] png = encode(halves(300, 200, Color.RED, Color.BLUE), "png");
        List<Long> entered = new ArrayList<>();
        AtomicInteger open = new AtomicInteger();
        ImageDecoder counted = new ImageDecoder(DecodeLimits.DEFAULT, pixels -> {
            entered.add(pixels);
            open.incrementAndGet();
            return open::decrementAndGet;
        });
        assertEquals(300, counted.decode(png).width());
        assertEquals(150, counted.decode(png, 50).width());
        assertEquals(List.of(60_000L, 60_000L), entered);
        assertEquals(0, open.get(), "every pass is closed after its decode");
        ImageDecoder refusing = new ImageDecoder(DecodeLimits.DEFAULT, pixels -> {
            throw new IllegalStateException("busy");
        });
        assertEquals("busy", assertThrows(IllegalStateException.class, () -> refusing.decode(png)).getMessage());
    }

    @Test
    void anImageLessThanFourTimesTheTargetSideIsReadAtFullSize() throws Exception {
        byte[] jpeg = encode(halves(399, 500, Color.RED, Color.BLUE), "jpg");
        DecodedImage full = decoder.decode(jpeg);
        DecodedImage hinted = decoder.decode(jpeg, 100);
        assertEquals(399, hinted.width());
        assertEquals(500, hinted.height());
        int[] a = full.rgb().getRGB(0, 0, 399, 500, null, 0, 399);
        int[] b = hinted.rgb().getRGB(0, 0, 399, 500, null, 0, 399);
        assertTrue(Arrays.equals(a, b), "the same pixels as a full decode");
    }

    @Test
    void squareResizeGivesTheRequestedSize() throws Exception {
        BufferedImage resized = ImageResizer.square(decoder.decode(encode(halves(300, 200, Color.RED, Color.BLUE),
                "jpg")).rgb(), 64);
        assertEquals(64, resized.getWidth());
        assertEquals(64, resized.getHeight());
        assertEquals(BufferedImage.TYPE_INT_RGB, resized.getType());
    }
}
