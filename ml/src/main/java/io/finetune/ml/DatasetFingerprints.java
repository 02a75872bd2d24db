package io.finetune.ml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A cheap identity of a local dataset: SHA-256 over classes and, per split, each file's label, path relative to
 * the root and size. Changes when a file is added, removed, moved between classes or splits, or resized.
 */
public final class DatasetFingerprints {
    private DatasetFingerprints() {
    }

    public static String of(Path root, ImageDataset data) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        sha.update(String.join("\n", data.classes()).getBytes(StandardCharsets.UTF_8));
        List<List<LabeledImage>> splits = List.of(data.train(), data.validation(), data.test());
        for (int s = 0; s < splits.size(); s++) {
            for (LabeledImage image : splits.get(s)) {
                String line = "\n" + s + "," + image.label() + "," + root.relativize(image.file()) + ","
                        + Files.size(image.file());
                sha.update(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }
}
