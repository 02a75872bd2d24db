package io.finetune.trainer;

import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetCacheShardTest {
    private static final String SHARD = ObjectLayout.datasetShard("d", "1", 0);

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static DatasetImage line(Split split, String cls, byte[] bytes, long offset) throws Exception {
        String sha = sha256(bytes);
        return new DatasetImage(ObjectLayout.datasetImage("d", "1", split, cls, sha, "jpg"), cls, split, sha, 4, 4,
                cls + "/x.jpg", null, null, SHARD, offset, (long) bytes.length);
    }

    @Test
    void eachImageOfAShardBecomesItsOwnLocalFile(@TempDir Path dir) throws Exception {
        byte[] a = {1, 2, 3};
        byte[] b = {4, 5, 6, 7, 8};
        ByteArrayOutputStream shard = new ByteArrayOutputStream();
        shard.writeBytes(a);
        shard.writeBytes(b);
        DatasetImage la = line(Split.TRAIN, "ants", a, 0);
        DatasetImage lb = line(Split.TEST, "bees", b, 3);

        DatasetCache.unpack(SHARD, shard.toByteArray(), List.of(lb, la), dir);

        assertArrayEquals(a, Files.readAllBytes(dir.resolve("train/ants/" + la.sha256() + ".jpg")));
        assertArrayEquals(b, Files.readAllBytes(dir.resolve("test/bees/" + lb.sha256() + ".jpg")));
        try (var files = Files.walk(dir)) {
            assertFalse(files.anyMatch(f -> f.toString().endsWith(".part")), "no temporary file is left");
        }
    }

    @Test
    void aSliceBeyondTheShardIsRefusedNamingTheShard(@TempDir Path dir) throws Exception {
        DatasetImage past = line(Split.TRAIN, "ants", new byte[]{1, 2, 3}, 2);
        var e = assertThrows(IllegalStateException.class, () -> DatasetCache.unpack(SHARD, new byte[4],
                List.of(past), dir));
        assertTrue(e.getMessage().contains("within the 4 bytes of shard " + SHARD), e.getMessage());
    }

    @Test
    void bytesThatDoNotMatchTheManifestHashAreRefused(@TempDir Path dir) throws Exception {
        DatasetImage line = line(Split.TRAIN, "ants", new byte[]{1, 2, 3}, 0);
        var e = assertThrows(IllegalStateException.class, () -> DatasetCache.unpack(SHARD, new byte[]{1, 2, 4},
                List.of(line), dir));
        assertTrue(e.getMessage().startsWith("expected sha256 " + line.sha256()), e.getMessage());
        assertFalse(Files.exists(dir.resolve("train/ants/" + line.sha256() + ".jpg")));
    }
}
