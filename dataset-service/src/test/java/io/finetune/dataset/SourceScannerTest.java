package io.finetune.dataset;

import io.finetune.contracts.RejectReason;
import io.finetune.contracts.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourceScannerTest {
    @TempDir
    Path dir;
    private final SourceScanner scanner = new SourceScanner(f -> { });
    private final byte[] img = TestImages.jpeg(8, 8, 1);

    @Test
    void classFoldersIgnoringRootFilesAndHiddenOnes() throws Exception {
        TestImages.write(dir.resolve("Daisy/a.jpg"), img);
        TestImages.write(dir.resolve("Daisy/nested/b.jpg"), img);
        TestImages.write(dir.resolve("Red Roses/c.jpg"), img);
        TestImages.write(dir.resolve("LICENSE.txt"), img);
        TestImages.write(dir.resolve(".git/x.jpg"), img);
        TestImages.write(dir.resolve("Daisy/.DS_Store"), img);
        SourceListing listing = scanner.scan(dir);
        assertEquals(List.of("Daisy/a.jpg", "Daisy/nested/b.jpg", "Red Roses/c.jpg"),
                listing.files().stream().map(SourceFile::name).toList());
        assertEquals(List.of("daisy", "daisy", "red_roses"),
                listing.files().stream().map(SourceFile::className).toList());
        assertTrue(listing.files().stream().allMatch(f -> f.given() == null));
    }

    @Test
    void looksThroughASingleWrappingFolder() throws Exception {
        TestImages.write(dir.resolve("flower5/daisy/a.jpg"), img);
        TestImages.write(dir.resolve("flower5/tulips/b.jpg"), img);
        assertEquals(List.of("daisy/a.jpg", "tulips/b.jpg"),
                scanner.scan(dir).files().stream().map(SourceFile::name).toList());
    }

    @Test
    void splitFoldersGiveSplits() throws Exception {
        TestImages.write(dir.resolve("train/a/1.jpg"), img);
        TestImages.write(dir.resolve("valid/a/2.jpg"), img);
        TestImages.write(dir.resolve("test/b/3.jpg"), img);
        List<SourceFile> files = scanner.scan(dir).files();
        assertEquals(List.of(Split.TEST, Split.TRAIN, Split.VALIDATION), files.stream().map(SourceFile::given)
                .toList());
        assertEquals(List.of("b", "a", "a"), files.stream().map(SourceFile::className).toList());
    }

    @Test
    void labelsCsvWithSlugAndSplitLikeFlower102() throws Exception {
        TestImages.write(dir.resolve("train/pink_primrose/1.jpg"), img);
        TestImages.write(dir.resolve("valid/pink_primrose/2.jpg"), img);
        TestImages.write(dir.resolve("valid/other/3.jpg"), img);
        Files.writeString(dir.resolve("labels.csv"), "file,label,slug,split\n"
                + "train/pink_primrose/1.jpg,1,pink_primrose,train\n"
                + "valid/pink_primrose/2.jpg,1,pink_primrose,valid\n");
        Files.writeString(dir.resolve("classes.tsv"), "label\tslug\tname\n");
        SourceListing listing = scanner.scan(dir);
        assertEquals(2, listing.files().size());
        assertEquals(Split.TRAIN, listing.files().get(0).given());
        assertEquals("pink_primrose", listing.files().get(0).className());
        assertEquals(Split.VALIDATION, listing.files().get(1).given());
        assertEquals(1, listing.rejected().size());
        assertEquals(RejectReason.UNKNOWN_LABEL, listing.rejected().get(0).reason());
        assertEquals("valid/other/3.jpg", listing.rejected().get(0).file());
    }

    @Test
    void labelsCsvWithoutSplitColumn() throws Exception {
        TestImages.write(dir.resolve("images/1.jpg"), img);
        Files.writeString(dir.resolve("labels.csv"), "file,label\nimages/1.jpg,Cat\n");
        SourceFile f = scanner.scan(dir).files().get(0);
        assertEquals("cat", f.className());
        assertNull(f.given());
    }

    @Test
    void labelsCsvNamingAMissingFileIsAnError() throws Exception {
        TestImages.write(dir.resolve("images/1.jpg"), img);
        Files.writeString(dir.resolve("labels.csv"), "file,label\nimages/1.jpg,cat\nimages/2.jpg,dog\n");
        String message = assertThrows(IllegalArgumentException.class, () -> scanner.scan(dir)).getMessage();
        assertTrue(message.contains("'images/2.jpg' missing"), message);
    }

    @Test
    void labelsCsvWithoutRequiredColumnsIsAnError() throws Exception {
        TestImages.write(dir.resolve("images/1.jpg"), img);
        Files.writeString(dir.resolve("labels.csv"), "name,class\nimages/1.jpg,cat\n");
        String message = assertThrows(IllegalArgumentException.class, () -> scanner.scan(dir)).getMessage();
        assertTrue(message.startsWith("expected labels.csv header with columns 'file' and 'label'"), message);
    }
}
