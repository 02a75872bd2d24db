package io.finetune.ml.cli;

import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.contracts.ModelManifest;

import java.util.List;
import java.util.Map;

/** results.json and report.md of the flower experiment. */
record ExperimentReport(Map<String, Object> settings, Run base, Run finetune, Run scratch, Comparison comparison) {

    record Run(String kind, List<EpochMetrics> history, EvaluationSummary test, double totalSeconds,
               double bestValidationAccuracy, int bestEpoch) {
        static Run of(ModelManifest m) {
            double total = m.history().stream().mapToDouble(EpochMetrics::seconds).sum();
            EpochMetrics best = m.history().stream()
                    .reduce((a, b) -> b.validationAccuracy() > a.validationAccuracy() ? b : a).orElseThrow();
            return new Run(m.kind().name(), m.history(), m.test(), total, best.validationAccuracy(), best.epoch());
        }

        /** First epoch reaching {@code accuracy} and the cumulative seconds then; epoch -1 if never. */
        double[] reach(double accuracy) {
            double seconds = 0;
            for (EpochMetrics m : history) {
                seconds += m.seconds();
                if (m.validationAccuracy() >= accuracy - 1e-12) {
                    return new double[]{m.epoch(), seconds};
                }
            }
            return new double[]{-1, seconds};
        }
    }

    /**
     * The claim under test: fine-tuning reaches the scratch run's best validation accuracy in fewer epochs and
     * less wall time.
     */
    record Comparison(double scratchBestValidationAccuracy, int scratchEpochsToBest, double scratchSecondsToBest,
                      int finetuneEpochsToScratchBest, double finetuneSecondsToScratchBest, boolean finetuneFaster) {
    }

    static ExperimentReport of(Map<String, Object> settings, ModelManifest base, ModelManifest finetune,
                               ModelManifest scratch) {
        Run b = Run.of(base);
        Run f = Run.of(finetune);
        Run s = Run.of(scratch);
        double[] sReach = s.reach(s.bestValidationAccuracy());
        double[] fReach = f.reach(s.bestValidationAccuracy());
        boolean faster = fReach[0] > 0 && fReach[0] < sReach[0] && fReach[1] < sReach[1];
        return new ExperimentReport(settings, b, f, s, new Comparison(s.bestValidationAccuracy(), (int) sReach[0],
                sReach[1], (int) fReach[0], fReach[1], faster));
    }

    String markdown() {
        StringBuilder md = new StringBuilder("# Flower fine-tuning experiment\n\n");
        md.append("Settings: ").append(settings).append("\n\n");
        md.append(String.format("Base (BASE on flower5): best validation accuracy %.3f (epoch %d), %s, %.0f s.%n%n",
                base.bestValidationAccuracy(), base.bestEpoch(), base.test() == null ? "no test split"
                        : String.format("held-out test accuracy %.3f", base.test().accuracy()), base.totalSeconds()));
        md.append("flower102, validation split (1020 images), same budget:\n\n");
        md.append("| epoch | fine-tune train acc | fine-tune val acc | fine-tune s (cum.) | scratch train acc "
                + "| scratch val acc | scratch s (cum.) |\n|---|---|---|---|---|---|---|\n");
        double fs = 0;
        double ss = 0;
        int n = Math.max(finetune.history().size(), scratch.history().size());
        for (int i = 0; i < n; i++) {
            EpochMetrics f = i < finetune.history().size() ? finetune.history().get(i) : null;
            EpochMetrics s = i < scratch.history().size() ? scratch.history().get(i) : null;
            fs += f == null ? 0 : f.seconds();
            ss += s == null ? 0 : s.seconds();
            md.append(String.format("| %d | %s | %s | %s | %s | %s | %s |%n", i + 1,
                    f == null ? "" : String.format("%.3f", f.trainAccuracy()),
                    f == null ? "" : String.format("%.3f", f.validationAccuracy()),
                    f == null ? "" : String.format("%.1f", fs),
                    s == null ? "" : String.format("%.3f", s.trainAccuracy()),
                    s == null ? "" : String.format("%.3f", s.validationAccuracy()),
                    s == null ? "" : String.format("%.1f", ss)));
        }
        Comparison c = comparison;
        md.append(String.format("%nScratch's best validation accuracy: %.3f, reached at epoch %d after %.1f s. "
                        + "Fine-tuning reached it %s.%n", c.scratchBestValidationAccuracy(), c.scratchEpochsToBest(),
                c.scratchSecondsToBest(), c.finetuneEpochsToScratchBest() < 0 ? "never"
                        : String.format("at epoch %d after %.1f s", c.finetuneEpochsToScratchBest(),
                        c.finetuneSecondsToScratchBest())));
        md.append(String.format("Fine-tuning faster in epochs and wall time: **%s**.%n", c.finetuneFaster() ? "yes"
                : "no"));
        return md.toString();
    }
}
