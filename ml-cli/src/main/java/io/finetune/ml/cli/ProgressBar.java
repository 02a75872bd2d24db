package io.finetune.ml.cli;

import io.finetune.contracts.EpochMetrics;
import io.finetune.ml.TrainingListener;

import java.io.PrintStream;
import java.nio.file.Path;

/** One line per epoch on stderr, redrawn per batch: progress, images/s, ETA, running loss and accuracy. */
final class ProgressBar implements TrainingListener {
    private static final int WIDTH = 24;
    private static final long DRAW_INTERVAL_NANOS = 250_000_000L;

    private final PrintStream err;
    private final String label;
    private final int totalEpochs;
    private long epochStart;
    private long lastDraw;
    private long cacheStart;

    ProgressBar(PrintStream err, String label, int totalEpochs) {
        this.err = err;
        this.label = label;
        this.totalEpochs = totalEpochs;
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, double runningLoss, double runningAccuracy,
                        double imagesPerSecond) {
        long now = System.nanoTime();
        if (batch == 1) {
            epochStart = now;
        }
        if (batch != 1 && batch != batches && now - lastDraw < DRAW_INTERVAL_NANOS) {
            return;
        }
        lastDraw = now;
        double perBatch = batch > 1 ? (now - epochStart) / 1e9 / (batch - 1) : 0;
        int filled = (int) Math.round(WIDTH * (double) batch / batches);
        err.printf("\r%s epoch %d/%d [%s%s] %d/%d  %.1f img/s  ETA %3.0f s  loss %.4f  acc %.3f   ", label, epoch,
                totalEpochs, "=".repeat(filled), " ".repeat(WIDTH - filled), batch, batches, imagesPerSecond,
                perBatch * (batches - batch), runningLoss, runningAccuracy);
        err.flush();
    }

    @Override
    public void onCaching(int done, int total) {
        long now = System.nanoTime();
        if (cacheStart == 0) {
            cacheStart = now;
        }
        if (done != total && now - lastDraw < DRAW_INTERVAL_NANOS) {
            return;
        }
        lastDraw = now;
        double seconds = (now - cacheStart) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        int filled = (int) Math.round(WIDTH * (double) done / total);
        err.printf("\r%s caching frozen features [%s%s] %d/%d  %.1f img/s  ETA %3.0f s   ", label, "=".repeat(filled),
                " ".repeat(WIDTH - filled), done, total, rate, rate > 0 ? (total - done) / rate : 0);
        if (done == total) {
            err.printf("%n");
            cacheStart = 0;
        }
        err.flush();
    }

    @Override
    public void onEpoch(EpochMetrics m) {
        err.printf("\r%s epoch %d/%d (%s) %.1f s  %.1f img/s  train loss %.4f acc %.3f  val loss %.4f acc %.3f%n",
                label, m.epoch(), m.totalEpochs(), m.phase(), m.seconds(), m.imagesPerSecond(), m.trainLoss(),
                m.trainAccuracy(), m.validationLoss(), m.validationAccuracy());
    }

    @Override
    public void onCheckpoint(int epoch, Path checkpointDir) {
        // Checkpoints are silent: one per epoch, always.
    }
}
