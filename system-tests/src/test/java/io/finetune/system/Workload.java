package io.finetune.system;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Tiny generated inputs: two classes of coloured noise, and a file that is not an image. */
public final class Workload {
    public static final String[] CLASSES = {"reds", "blues"};

    private Workload() {
    }

    /** A zip with folders {@code reds/} and {@code blues/} of PNGs and one corrupt file (rejected by ingest). */
    public static byte[] datasetZip(int perClass, int size, long seed) {
        Random random = new Random(seed);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int c = 0; c < CLASSES.length; c++) {
                for (int i = 0; i < perClass; i++) {
                    zip.putNextEntry(new ZipEntry(CLASSES[c] + "/img-" + i + ".png"));
                    zip.write(png(c, size, random));
                    zip.closeEntry();
                }
            }
            zip.putNextEntry(new ZipEntry(CLASSES[0] + "/broken.png"));
            byte[] junk = new byte[300];
            random.nextBytes(junk);
            zip.write(junk);
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] png(int classIndex, int size, Random random) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int strong = 160 + random.nextInt(96);
                int weak = random.nextInt(80);
                int rgb = classIndex == 0 ? (strong << 16) | (weak << 8) | weak : (weak << 16) | (weak << 8) | strong;
                image.setRGB(x, y, rgb);
            }
        }
        return encodePng(image);
    }

    static byte[] encodePng(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
