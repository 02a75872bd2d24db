package io.finetune.ml;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Tiny generated datasets: each class a distinct shape and hue on a noisy background, seeded. */
final class SyntheticImages {
    static final List<String> CLASSES = List.of("circle", "square", "stripes");

    private SyntheticImages() {
    }

    /** {@code root/<class>/<i>.png}, {@code perClass} images per class of {@code size} px. */
    static Path classFolders(Path root, int perClass, int size, long seed) throws IOException {
        Random random = new Random(seed);
        for (int c = 0; c < CLASSES.size(); c++) {
            Path dir = Files.createDirectories(root.resolve(CLASSES.get(c)));
            for (int i = 0; i < perClass; i++) {
                ImageIO.write(image(c, size, random), i % 2 == 0 ? "png" : "jpg",
                        dir.resolve(String.format("%03d.%s", i, i % 2 == 0 ? "png" : "jpg")).toFile());
            }
        }
        return root;
    }

    static BufferedImage image(int cls, int size, Random random) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int v = 60 + random.nextInt(60);
                img.setRGB(x, y, new Color(v, v, v).getRGB());
            }
        }
        Graphics2D g = img.createGraphics();
        try {
            int s = size / 3 + random.nextInt(size / 4);
            int x = random.nextInt(size - s);
            int y = random.nextInt(size - s);
            switch (cls) {
                case 0 -> {
                    g.setColor(new Color(230, 60 + random.nextInt(40), 40));
                    g.fillOval(x, y, s, s);
                }
                case 1 -> {
                    g.setColor(new Color(40, 200 + random.nextInt(40), 60));
                    g.fillRect(x, y, s, s);
                }
                default -> {
                    g.setColor(new Color(50, 70, 220 + random.nextInt(30)));
                    for (int k = 0; k < size; k += 6) {
                        g.fillRect(0, k, size, 3);
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }
}
