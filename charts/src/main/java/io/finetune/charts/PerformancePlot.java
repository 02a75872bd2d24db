package io.finetune.charts;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * performance.png: validation (solid) and training (dashed) accuracy of each run, one colour per run, against epochs
 * on the left and against cumulative wall-clock seconds on the right. Used by the ml command-line tool's experiments
 * and by the demo's report.
 */
public final class PerformancePlot {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd)};
    private static final int WIDTH = 640;
    private static final int HEIGHT = 440;

    /** One epoch of a run: its wall-clock seconds and its accuracies. */
    public record Epoch(double seconds, double trainAccuracy, double validationAccuracy) {
    }

    private PerformancePlot() {
    }

    /**
     * Writes the two charts side by side as a PNG; {@code title} heads both ("title: accuracy per epoch"). Runs in
     * the map's order; epochs counted from 1.
     */
    public static void write(Path file, String title, Map<String, List<Epoch>> runs) throws IOException {
        JFreeChart byEpoch = chart(title + ": accuracy per epoch", "epoch", runs, false);
        JFreeChart bySeconds = chart(title + ": accuracy against wall-clock time", "seconds", runs, true);
        BufferedImage image = new BufferedImage(2 * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            byEpoch.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
            bySeconds.draw(g, new Rectangle2D.Double(WIDTH, 0, WIDTH, HEIGHT));
        } finally {
            g.dispose();
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            ChartUtils.writeBufferedImageAsPNG(out, image);
        }
    }

    private static JFreeChart chart(String title, String xLabel, Map<String, List<Epoch>> runs, boolean seconds) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        BasicStroke solid = new BasicStroke(2.2f);
        BasicStroke dashed = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[]{6f, 4f}, 0f);
        int i = 0;
        for (Map.Entry<String, List<Epoch>> run : runs.entrySet()) {
            Color color = COLORS[(i / 2) % COLORS.length];
            data.addSeries(series(run.getKey() + " validation", run.getValue(), seconds, true));
            r.setSeriesPaint(i, color);
            r.setSeriesStroke(i++, solid);
            data.addSeries(series(run.getKey() + " training", run.getValue(), seconds, false));
            r.setSeriesPaint(i, color);
            r.setSeriesStroke(i++, dashed);
        }
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(true);
        if (!seconds) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        NumberAxis y = new NumberAxis("accuracy");
        y.setRange(0, 1);
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static XYSeries series(String name, List<Epoch> epochs, boolean seconds, boolean validation) {
        XYSeries s = new XYSeries(name);
        double t = 0;
        int epoch = 0;
        for (Epoch e : epochs) {
            t += e.seconds();
            epoch++;
            s.add(seconds ? t : epoch, validation ? e.validationAccuracy() : e.trainAccuracy());
        }
        return s;
    }
}
