package io.finetune.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoLogicTest {
    private static JobProgress job(String kind, double... validation) {
        List<JobProgress.Epoch> epochs = new java.util.ArrayList<>();
        for (int i = 0; i < validation.length; i++) {
            epochs.add(new JobProgress.Epoch(i + 1, validation.length, "train", 1, validation[i] + 0.1, 1,
                    validation[i], 10, 100));
        }
        return new JobProgress(kind + "-1", kind, "m-" + kind, "COMPLETED", epochs, "1", null, null);
    }

    @Test
    void comparisonCountsEpochsAndSecondsUntilFineTuneReachesScratchsBest() {
        LearningComparison c = LearningComparison.of(job("FINETUNE", 0.4, 0.6, 0.7), job("SCRATCH", 0.1, 0.3, 0.5));
        assertEquals(3, c.epochsAheadOfScratch());
        assertTrue(c.fineTuneAheadAtEqualEpochs());
        assertEquals(2, c.epochsToScratchBest());
        assertEquals(20, c.secondsToScratchBest(), 1e-9);
        assertEquals(3, c.scratchEpochsToBest());
    }

    @Test
    void comparisonSaysSoWhenFineTuneIsBehind() {
        LearningComparison c = LearningComparison.of(job("FINETUNE", 0.1, 0.2), job("SCRATCH", 0.3, 0.5));
        assertFalse(c.fineTuneAheadAtEqualEpochs());
        assertEquals(-1, c.epochsToScratchBest());
    }

    @Test
    void progressLineShowsEpochAccuracySpeedAndEta() {
        JobProgress running = new JobProgress("j", "FINETUNE", "m", "RUNNING", job("X", 0.5).epochs(), null, null,
                null);
        String line = ProgressBoard.render(running, 4);
        assertTrue(line.contains("epoch  1/1") || line.contains("epoch  1/"), line);
        assertTrue(line.contains("val acc 0.500") && line.contains("img/s"), line);
        assertEquals("1m40s", ProgressBoard.duration(100));
    }

    @Test
    void heldOutImagesNeverEnterADataset(@TempDir Path dir) throws Exception {
        Path f5 = dir.resolve("src/flower5");
        Path f102 = dir.resolve("src/flower102");
        for (String c : List.of("daisy", "roses")) {
            for (int i = 0; i < 5; i++) {
                write(f5.resolve(c).resolve("img" + i + ".jpg"));
            }
        }
        for (String split : List.of("train", "valid")) {
            for (String c : List.of("a", "b", "c")) {
                for (int i = 0; i < 4; i++) {
                    write(f102.resolve(split).resolve(c).resolve(split + i + ".jpg"));
                }
            }
        }
        DemoSettings s = new DemoSettings("t", 0, 2, 3, 0, 1, 32, 1, 1, 8, 1e-3, "seed-cnn", 1, null);
        DemoData.Prepared p = DemoData.prepare(f5, f102, s, dir.resolve("cache"));
        assertEquals(List.of("daisy", "roses"), p.flower5Classes());
        assertEquals(List.of("a", "b"), p.flower102Classes());
        assertEquals(List.of("img4.jpg"), names(p.heldOutFlower5().resolve("daisy")));
        assertEquals(List.of("img0.jpg", "img1.jpg", "img2.jpg"), names(p.flower5().resolve("daisy")));
        assertEquals(List.of("valid3.jpg"), names(p.heldOutFlower102().resolve("a")));
        assertEquals(List.of("valid0.jpg", "valid1.jpg", "valid2.jpg"), names(p.flower102().resolve("valid/a")));
        assertEquals(4, names(p.flower102().resolve("train/b")).size());
        assertFalse(Files.exists(p.flower102().resolve("train/c")));
    }

    private static void write(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[]{1, 2, 3});
    }

    private static List<String> names(Path dir) throws Exception {
        return DemoData.images(dir).stream().map(x -> x.getFileName().toString()).toList();
    }
}
