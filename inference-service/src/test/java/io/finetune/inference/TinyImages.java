package io.finetune.inference;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny generated images: each class a distinct hue and shape on a noisy background, seeded. */
final class TinyImages {
    private TinyImages() {
    }

    static List<String> classes(int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("class-" + (char) ('a' + i));
        }
        return names;
    }

    /** {@code root/<class>/<i>.png}. */
    static Path classFolders(Path root, int classes, int perClass, int size, long seed) throws IOException {
        Random random = new Random(seed);
        List<String> names = classes(classes);
        for (int c = 0; c < classes; c++) {
            Path dir = Files.createDirectories(root.resolve(names.get(c)));
            for (int i = 0; i < perClass; i++) {
                Files.write(dir.resolve(i + ".png"), png(image(c, classes, size, random)));
            }
        }
        return root;
    }

    static BufferedImage image(int cls, int classes, int size, Random random) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int n = random.nextInt(60);
                img.setRGB(x, y, new Color(n, n, n).getRGB());
            }
        }
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.getHSBColor((float) cls / classes, 0.9f, 0.95f));
            int s = size / 2 + random.nextInt(Math.max(1, size / 4));
            int x = random.nextInt(Math.max(1, size - s));
            int y = random.nextInt(Math.max(1, size - s));
            if (cls % 2 == 0) {
                g.fillOval(x, y, s, s);
            } else {
                g.fillRect(x, y, s, s);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    static byte[] png(BufferedImage image) {
        return encode(image, "png");
    }

    static byte[] jpeg(BufferedImage image) {
        return encode(image, "jpeg");
    }

    static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A sample image of class {@code cls} as PNG. */
    static byte[] samplePng(int cls, int classes, int size, long seed) {
        return png(image(cls, classes, size, new Random(seed)));
    }
}
