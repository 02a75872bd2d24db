package io.finetune.charts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class PerformancePlotTest {
    @TempDir
    Path dir;

    @Test
    void writesBothChartsSideBySideWithOneColourPerRun() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<PerformancePlot.Epoch>> runs = new LinkedHashMap<>();
        runs.put("fine-tune", List.of(new PerformancePlot.Epoch(2.0, 0.5, 0.4), new PerformancePlot.Epoch(2.0, 0.8, 0.7)));
        runs.put("scratch", List.of(new PerformancePlot.Epoch(3.0, 0.2, 0.1), new PerformancePlot.Epoch(3.0, 0.3, 0.2)));
        Path file = dir.resolve("performance.png");

        PerformancePlot.write(file, "flowers", runs);

        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(1280, image.getWidth());
        assertEquals(440, image.getHeight());
        assertNotEquals(0, countPixels(image, 0x1f77b4), "the first run's colour");
        assertNotEquals(0, countPixels(image, 0xd62728), "the second run's colour");
    }

    private static int countPixels(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
