package io.finetune.demo;

import java.util.List;

/**
 * Fine-tune against scratch on the same budget: validation accuracy at equal epochs, and how soon fine-tuning
 * reaches the best that scratch ever reaches, in epochs and in wall seconds.
 *
 * @param epochsToScratchBest  first fine-tune epoch at or above scratch's best validation accuracy (-1: never)
 * @param secondsToScratchBest fine-tune wall seconds until then (-1: never)
 * @param scratchEpochsToBest  epochs scratch needed to reach its own best
 * @param scratchSecondsToBest scratch wall seconds until its best
 */
public record LearningComparison(int epochs, double fineTuneFinalValidationAccuracy,
                                 double scratchFinalValidationAccuracy, double fineTuneBestValidationAccuracy,
                                 double scratchBestValidationAccuracy, int epochsAheadOfScratch,
                                 boolean fineTuneAheadAtEqualEpochs, int epochsToScratchBest,
                                 double secondsToScratchBest, int scratchEpochsToBest, double scratchSecondsToBest) {

    public static LearningComparison of(JobProgress fineTune, JobProgress scratch) {
        List<JobProgress.Epoch> ft = fineTune.epochs();
        List<JobProgress.Epoch> sc = scratch.epochs();
        int n = Math.min(ft.size(), sc.size());
        int ahead = 0;
        for (int i = 0; i < n; i++) {
            if (ft.get(i).validationAccuracy() > sc.get(i).validationAccuracy()) {
                ahead++;
            }
        }
        double scratchBest = scratch.bestValidationAccuracy();
        int scratchBestEpoch = firstAtLeast(sc, scratchBest);
        int ftReach = firstAtLeast(ft, scratchBest);
        double ftFinal = n == 0 ? 0 : ft.get(n - 1).validationAccuracy();
        double scFinal = n == 0 ? 0 : sc.get(n - 1).validationAccuracy();
        return new LearningComparison(n, ftFinal, scFinal, fineTune.bestValidationAccuracy(), scratchBest, ahead,
                n > 0 && ftFinal > scFinal && ahead * 2 > n, ftReach, secondsUntil(ft, ftReach), scratchBestEpoch,
                secondsUntil(sc, scratchBestEpoch));
    }

    private static int firstAtLeast(List<JobProgress.Epoch> epochs, double target) {
        for (int i = 0; i < epochs.size(); i++) {
            if (epochs.get(i).validationAccuracy() >= target - 1e-12) {
                return i + 1;
            }
        }
        return -1;
    }

    private static double secondsUntil(List<JobProgress.Epoch> epochs, int epoch) {
        if (epoch < 1) {
            return -1;
        }
        return epochs.subList(0, epoch).stream().mapToDouble(JobProgress.Epoch::seconds).sum();
    }
}
