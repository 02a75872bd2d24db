package io.finetune.system;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A small generated dataset archive of three colour classes, with two files the ingest must reject: random bytes
 * named like an image, and a byte-identical copy of another image.
 */
final class ColourArchive {
    static final List<String> CLASSES = List.of("reds", "greens", "blues");
    static final String NOT_AN_IMAGE = "reds/broken.png";
    static final String DUPLICATE = "blues/copy-of-0.png";

    private ColourArchive() {
    }

    static byte[] zip(int perClass, int size, long seed) {
        Random random = new Random(seed);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            byte[] firstBlue = null;
            for (int c = 0; c < CLASSES.size(); c++) {
                for (int i = 0; i < perClass; i++) {
                    byte[] png = png(c, size, random);
                    if (c == 2 && i == 0) {
                        firstBlue = png;
                    }
                    add(zip, CLASSES.get(c) + "/img-" + i + ".png", png);
                }
            }
            byte[] junk = new byte[400];
            random.nextBytes(junk);
            add(zip, NOT_AN_IMAGE, junk);
            add(zip, DUPLICATE, firstBlue);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void add(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content);
        zip.closeEntry();
    }

    /**
     * A random tint per image with per-pixel noise; the class's channel (red, green, blue) is raised a little:
     * enough to learn in a few epochs, not in one, so the curves show learning.
     */
    static byte[] png(int classIndex, int size, Random random) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        int[] tint = {40 + random.nextInt(140), 40 + random.nextInt(140), 40 + random.nextInt(140)};
        tint[classIndex] += 60;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = 0;
                for (int channel = 0; channel < 3; channel++) {
                    int v = Math.max(0, Math.min(255, tint[channel] + random.nextInt(81) - 40));
                    rgb = (rgb << 8) | v;
                }
                image.setRGB(x, y, rgb);
            }
        }
        return Workload.encodePng(image);
    }
}
