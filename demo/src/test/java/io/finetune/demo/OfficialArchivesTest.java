package io.finetune.demo;

import com.sun.net.httpserver.HttpServer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OfficialArchivesTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static HttpServer serve(byte[] body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/archive", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        return server;
    }

    @Test
    void aDownloadIsKeptOnlyWhenSizeAndChecksumMatch(@TempDir Path cache) throws Exception {
        byte[] body = "archive bytes".getBytes(StandardCharsets.UTF_8);
        HttpServer server = serve(body);
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/archive";
            var archives = new OfficialArchives(cache, QUIET);
            Path ok = archives.fetch(new OfficialArchives.Archive(url, body.length, sha(body), "good.tgz"));
            assertEquals("archive bytes", Files.readString(ok));
            var bad = new OfficialArchives.Archive(url, body.length, "00".repeat(32), "bad.tgz");
            DemoException e = assertThrows(DemoException.class, () -> archives.fetch(bad));
            assertTrue(e.getMessage().contains("is corrupt: expected"), e.getMessage());
            assertFalse(Files.exists(cache.resolve("official/bad.tgz")));
            assertFalse(Files.exists(cache.resolve("official/bad.tgz.part")));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anUnreachableHostGivesAClearOfflineMessage(@TempDir Path cache) {
        var archives = new OfficialArchives(cache, QUIET);
        var a = new OfficialArchives.Archive("http://127.0.0.1:1/none.tgz", 1, "00", "none.tgz");
        DemoException e = assertThrows(DemoException.class, () -> archives.fetch(a));
        assertTrue(e.getMessage().contains("offline"), e.getMessage());
    }

    @Test
    void oxfordArchiveIsLaidOutByGivenSplitAndClassSlug(@TempDir Path dir) throws Exception {
        Path tgz = dir.resolve("102flowers.tgz");
        try (var tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(tgz)))) {
            for (int id = 1; id <= 3; id++) {
                byte[] jpg = ("jpeg " + id).getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(String.format("jpg/image_%05d.jpg", id));
                e.setSize(jpg.length);
                tar.putArchiveEntry(e);
                tar.write(jpg);
                tar.closeArchiveEntry();
            }
        }
        Path out = dir.resolve("flower102");
        OfficialArchives.extractFlower102(tgz, Map.of("labels", new double[]{1, 2, 1}),
                Map.of("trnid", new double[]{1}, "valid", new double[]{2}, "tstid", new double[]{3}), out);
        assertTrue(Files.exists(out.resolve("train/pink_primrose/image_00001.jpg")));
        assertTrue(Files.exists(out.resolve("valid/hard_leaved_pocket_orchid/image_00002.jpg")));
        assertFalse(Files.exists(out.resolve("train/pink_primrose/image_00003.jpg")), "test split left out");
        assertEquals(102, OfficialArchives.slugs().size());
    }
}
