package io.finetune.ml.data;

import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.LabeledImage;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A split decoded once, in parallel, into resized 8-bit RGB kept in memory (180 px: 97 KB per image; images kept
 * whole for random crops, 224 px on the shorter side: about 200 KB), so epochs never wait on JPEG decoding.
 * Unusable files are skipped and listed with their reason.
 */
public record DecodedSet(List<StoredImage> stored, int[] labels, List<LabeledImage> images,
                         List<SkippedImage> skipped) {
    public int size() {
        return labels.length;
    }

    /** Decoded to the model's square input. */
    public static DecodedSet decode(List<LabeledImage> images, Preprocessor preprocessor, int threads)
            throws IOException {
        return decode(images, preprocessor, threads, false);
    }

    /** Decoded for augmentation when {@code forAugmentation} (see {@link Preprocessor#store}). */
    public static DecodedSet decode(List<LabeledImage> images, Preprocessor preprocessor, int threads,
                                    boolean forAugmentation) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "decode");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Object>> results = new ArrayList<>(images.size());
            for (LabeledImage image : images) {
                results.add(pool.submit(() -> decodeOne(image, preprocessor, forAugmentation)));
            }
            List<StoredImage> pixels = new ArrayList<>();
            List<LabeledImage> kept = new ArrayList<>();
            List<SkippedImage> skipped = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                Object r = results.get(i).get();
                if (r instanceof StoredImage p) {
                    pixels.add(p);
                    kept.add(images.get(i));
                } else {
                    skipped.add((SkippedImage) r);
                }
            }
            int[] labels = kept.stream().mapToInt(LabeledImage::label).toArray();
            return new DecodedSet(Collections.unmodifiableList(pixels), labels, List.copyOf(kept),
                    List.copyOf(skipped));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while decoding images", e);
        } catch (ExecutionException e) {
            throw new IOException("cannot decode images: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static Object decodeOne(LabeledImage image, Preprocessor preprocessor, boolean forAugmentation) {
        try {
            return preprocessor.store(Files.readAllBytes(image.file()), forAugmentation);
        } catch (ImageRejectedException e) {
            return new SkippedImage(image.file().toString(), e.reason(), e.getMessage());
        } catch (IOException e) {
            return new SkippedImage(image.file().toString(), io.finetune.contracts.RejectReason.CORRUPT_IMAGE,
                    "cannot read: " + e.getMessage());
        }
    }
}
