package io.finetune.demo;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Live progress, one line per job: a bar over epochs, validation accuracy, images/s and an ETA from the mean epoch
 * time. On a terminal the lines are redrawn in place; otherwise a line is printed whenever a job changes.
 */
public final class ProgressBoard {
    private final PrintStream out;
    private final boolean redraw;
    private final Map<String, String> lines = new LinkedHashMap<>();
    private int drawn;

    public ProgressBoard(PrintStream out, boolean terminal) {
        this.out = out;
        this.redraw = terminal;
    }

    public void update(JobProgress job, int plannedEpochs) {
        String line = render(job, plannedEpochs);
        String before = lines.put(job.jobId(), line);
        if (redraw) {
            if (drawn > 0) {
                out.print("\033[" + drawn + "A");
            }
            for (String l : lines.values()) {
                out.print("\033[2K" + l + "\n");
            }
            drawn = lines.size();
        } else if (!line.equals(before)) {
            out.println(line);
        }
        out.flush();
    }

    static String render(JobProgress job, int plannedEpochs) {
        int total = job.totalEpochs() > 0 ? job.totalEpochs() : plannedEpochs;
        int done = job.epochs().size();
        int width = 20;
        int filled = total == 0 ? 0 : Math.min(width, done * width / total);
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        StringBuilder s = new StringBuilder(String.format("%-8s %-24s [%s] epoch %2d/%-2d", job.kind(),
                job.modelName(), bar, done, total));
        if (done > 0) {
            JobProgress.Epoch last = job.epochs().get(done - 1);
            double mean = job.wallSeconds() / done;
            s.append(String.format("  val acc %.3f  train acc %.3f  %6.1f img/s", last.validationAccuracy(),
                    last.trainAccuracy(), last.imagesPerSecond()));
            if (!job.isFinal() && total > done) {
                s.append("  ETA ").append(duration(mean * (total - done)));
            }
        }
        s.append("  ").append(job.status());
        if (job.reason() != null && !job.reason().isBlank()) {
            s.append(" (").append(job.reason()).append(')');
        }
        return s.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + String.format("%02d", s % 60) + "s" : s + "s";
    }
}
