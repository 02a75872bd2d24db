package io.finetune.ml;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFoldersTest {
    @TempDir
    Path tmp;

    private static void touch(Path file) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[]{1});
    }

    @Test
    void classFoldersAreSplitStratifiedAndDeterministically() throws Exception {
        for (String c : List.of("b", "a")) {
            for (int i = 0; i < 20; i++) {
                touch(tmp.resolve(c).resolve(i + ".jpg"));
            }
        }
        touch(tmp.resolve("a").resolve(".hidden"));
        ImageDataset d1 = ImageFolders.load(tmp, 0.2, 0.1, 5);
        ImageDataset d2 = ImageFolders.load(tmp, 0.2, 0.1, 5);
        assertEquals(List.of("a", "b"), d1.classes());
        assertEquals(d1, d2);
        assertEquals(28, d1.train().size());
        assertEquals(8, d1.validation().size());
        assertEquals(4, d1.test().size());
        assertEquals(4, d1.validation().stream().filter(i -> i.label() == 0).count());
        Set<Path> all = new HashSet<>();
        d1.train().forEach(i -> all.add(i.file()));
        d1.validation().forEach(i -> all.add(i.file()));
        d1.test().forEach(i -> all.add(i.file()));
        assertEquals(40, all.size());
        ImageDataset other = ImageFolders.load(tmp, 0.2, 0.1, 6);
        assertTrue(!other.validation().equals(d1.validation()));
    }

    @Test
    void fingerprintChangesWhenAFileChanges() throws Exception {
        touch(tmp.resolve("a/1.jpg"));
        touch(tmp.resolve("b/2.jpg"));
        ImageDataset d = ImageFolders.load(tmp, 0, 0, 1);
        String before = DatasetFingerprints.of(tmp, d);
        assertEquals(before, DatasetFingerprints.of(tmp, ImageFolders.load(tmp, 0, 0, 1)));
        Files.write(tmp.resolve("a/1.jpg"), new byte[]{1, 2});
        assertTrue(!before.equals(DatasetFingerprints.of(tmp, d)));
        assertTrue(before.startsWith("sha256:"));
    }

    @Test
    void existingSplitFoldersAreKept() throws Exception {
        touch(tmp.resolve("train/x/1.jpg"));
        touch(tmp.resolve("train/y/2.jpg"));
        touch(tmp.resolve("valid/x/3.jpg"));
        touch(tmp.resolve("valid/y/4.jpg"));
        ImageDataset d = ImageFolders.load(tmp, 0.4, 0.4, 1);
        assertEquals(2, d.train().size());
        assertEquals(2, d.validation().size());
        assertEquals(0, d.test().size());
    }

    @Test
    void labelsCsvWithSplitColumnIsUsed() throws Exception {
        touch(tmp.resolve("img/1.jpg"));
        touch(tmp.resolve("img/2.jpg"));
        touch(tmp.resolve("img/3.jpg"));
        Files.writeString(tmp.resolve("labels.csv"), "file,label,slug,split\nimg/1.jpg,1,rose,train\n"
                + "img/2.jpg,2,tulip,train\nimg/3.jpg,1,rose,valid\n");
        ImageDataset d = ImageFolders.load(tmp, 0.2, 0, 1);
        assertEquals(List.of("rose", "tulip"), d.classes());
        assertEquals(2, d.train().size());
        assertEquals(List.of(new LabeledImage(tmp.resolve("img/3.jpg"), 0)), d.validation());
    }
}
