package io.finetune.ml.cli;

import io.finetune.contracts.EpochMetrics;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Accuracy against epoch and against cumulative wall-clock seconds, one colour per run; validation solid,
 * training dashed.
 */
final class PerformancePlot {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c)};
    private static final int WIDTH = 560;
    private static final int HEIGHT = 400;

    private PerformancePlot() {
    }

    static void write(Path file, String title, Map<String, List<EpochMetrics>> runs) throws IOException {
        BufferedImage image = new BufferedImage(2 * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            chart(title + ": accuracy by epoch", "epoch", runs, false).draw(g,
                    new java.awt.geom.Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
            chart(title + ": accuracy by wall time", "cumulative seconds", runs, true).draw(g,
                    new java.awt.geom.Rectangle2D.Double(WIDTH, 0, WIDTH, HEIGHT));
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static JFreeChart chart(String title, String xLabel, Map<String, List<EpochMetrics>> runs,
                                    boolean bySeconds) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<EpochMetrics>> run : runs.entrySet()) {
            XYSeries val = new XYSeries(run.getKey() + " validation");
            XYSeries train = new XYSeries(run.getKey() + " training");
            double seconds = 0;
            for (EpochMetrics m : run.getValue()) {
                seconds += m.seconds();
                double x = bySeconds ? seconds : m.epoch();
                val.add(x, m.validationAccuracy());
                train.add(x, m.trainAccuracy());
            }
            data.addSeries(val);
            data.addSeries(train);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, "accuracy", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            Color c = COLORS[(i / 2) % COLORS.length];
            renderer.setSeriesPaint(i, c);
            renderer.setSeriesStroke(i, i % 2 == 0 ? new BasicStroke(2f)
                    : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f},
                    0f));
        }
        plot.setRenderer(renderer);
        return chart;
    }
}
