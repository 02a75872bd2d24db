package io.finetune.demo;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The flower sets from their official archives, for a machine without ../shared/datasets: tf_flowers
 * {@code flower_photos.tgz}; Oxford {@code 102flowers.tgz}, {@code imagelabels.mat}, {@code setid.mat}. Each download
 * is checked against its published size and SHA-256 (as TensorFlow Datasets records them) before it is used, and
 * laid out like ../shared/datasets: {@code flower5/<class>/*.jpg}, {@code flower102/{train,valid}/<slug>/*.jpg}.
 */
final class OfficialArchives {
    record Archive(String url, long size, String sha256, String file) {
    }

    static final Archive FLOWER5 = new Archive(
            "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz", 228_813_984L,
            "4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c", "flower_photos.tgz");
    static final Archive FLOWER102 = new Archive("https://www.robots.ox.ac.uk/~vgg/data/flowers/102/102flowers.tgz",
            344_862_509L, "2d01ecc807db462958cfe3d92f57a8c252b4abd240eb955770201e45f783b246", "102flowers.tgz");
    static final Archive LABELS = new Archive("https://www.robots.ox.ac.uk/~vgg/data/flowers/102/imagelabels.mat",
            502L, "4903e94206bac23bf772aadf06451916df56b58fc483a62db32a97b82656651d", "imagelabels.mat");
    static final Archive SETID = new Archive("https://www.robots.ox.ac.uk/~vgg/data/flowers/102/setid.mat",
            14_989L, "46b8678f91fd95d3c8f4feab80d271a6c834a1dd896fe29fd3e6ad9ce5c8dccd", "setid.mat");

    private final Path cache;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(15)).build();

    OfficialArchives(Path cache, PrintStream out) {
        this.cache = cache.resolve("official");
        this.out = out;
    }

    /** Downloads (or reuses verified downloads) and lays out both sets; answers the folder holding flower5/ and flower102/. */
    Path fetchAll() throws IOException {
        Path root = cache.resolve("datasets");
        if (!Files.exists(root.resolve(".complete"))) {
            Path f5 = fetch(FLOWER5);
            Path f102 = fetch(FLOWER102);
            Path labels = fetch(LABELS);
            Path setid = fetch(SETID);
            DemoData.deleteRecursively(root);
            extractFlower5(f5, root.resolve("flower5"));
            extractFlower102(f102, MatFile.read(labels), MatFile.read(setid), root.resolve("flower102"));
            Files.writeString(root.resolve(".complete"), "from the official archives\n");
        }
        return root;
    }

    /** The archive in the cache, downloaded when absent or when its checksum does not match. */
    Path fetch(Archive a) throws IOException {
        Path target = cache.resolve(a.file());
        if (Files.exists(target) && Files.size(target) == a.size() && a.sha256().equals(sha256(target))) {
            return target;
        }
        Files.createDirectories(cache);
        Path part = cache.resolve(a.file() + ".part");
        out.printf("downloading %s (%.1f MB)%n", a.url(), a.size() / 1e6);
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(a.url())).timeout(Duration.ofMinutes(30)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new DemoException("cannot download " + a.url() + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "): this machine looks offline. Pass --flower5 DIR --flower102 DIR, or put the "
                    + "datasets in ../shared/datasets", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoException("interrupted while downloading " + a.url(), e);
        }
        if (response.statusCode() != 200) {
            throw new DemoException("cannot download " + a.url() + ": HTTP " + response.statusCode());
        }
        MessageDigest digest = sha256Digest();
        long copied = 0;
        long lastReport = 0;
        try (InputStream in = new DigestInputStream(response.body(), digest);
             OutputStream o = Files.newOutputStream(part)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                o.write(buffer, 0, n);
                copied += n;
                if (copied - lastReport > a.size() / 20) {
                    lastReport = copied;
                    out.printf("  %s %3d%%%n", a.file(), copied * 100 / Math.max(1, a.size()));
                }
            }
        }
        String found = HexFormat.of().formatHex(digest.digest());
        if (copied != a.size() || !found.equals(a.sha256())) {
            Files.deleteIfExists(part);
            throw new DemoException("download of " + a.url() + " is corrupt: expected " + a.size() + " bytes with "
                    + "SHA-256 " + a.sha256() + ", found " + copied + " bytes with SHA-256 " + found);
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    static void extractFlower5(Path tgz, Path target) throws IOException {
        try (TarArchiveInputStream tar = tar(tgz)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String[] parts = e.getName().split("/");
                if (!e.isFile() || parts.length != 3 || !parts[2].toLowerCase().endsWith(".jpg")) {
                    continue;
                }
                Path file = safe(target, parts[1], parts[2]);
                Files.createDirectories(file.getParent());
                Files.copy(tar, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static void extractFlower102(Path tgz, Map<String, double[]> labels, Map<String, double[]> setid, Path target)
            throws IOException {
        double[] label = require(labels, "labels", "imagelabels.mat");
        List<String> slugs = slugs();
        String[] split = new String[label.length + 1];
        for (double id : require(setid, "trnid", "setid.mat")) {
            split[(int) id] = "train";
        }
        for (double id : require(setid, "valid", "setid.mat")) {
            split[(int) id] = "valid";
        }
        try (TarArchiveInputStream tar = tar(tgz)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String name = e.getName().substring(e.getName().lastIndexOf('/') + 1);
                if (!e.isFile() || !name.matches("image_\\d{5}\\.jpg")) {
                    continue;
                }
                int id = Integer.parseInt(name.substring(6, 11));
                if (id >= split.length || split[id] == null) {
                    continue; // the test split is not used, as in ../shared/datasets
                }
                Path file = safe(target, split[id], slugs.get((int) label[id - 1] - 1), name);
                Files.createDirectories(file.getParent());
                Files.copy(tar, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The 102 class slugs in label order (1..102), as ../shared/datasets/flower102/classes.tsv names them. */
    static List<String> slugs() throws IOException {
        try (InputStream in = OfficialArchives.class.getResourceAsStream("/flower102-classes.tsv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().skip(1)
                    .map(l -> l.split("\t")[1]).toList();
        }
    }

    private static double[] require(Map<String, double[]> vars, String name, String file) {
        double[] v = vars.get(name);
        if (v == null) {
            throw new DemoException("expected a variable '" + name + "' in " + file + ", found " + vars.keySet());
        }
        return v;
    }

    private static Path safe(Path root, String... parts) {
        Path p = root;
        for (String part : parts) {
            if (part.isEmpty() || part.equals("..") || part.contains("\\")) {
                throw new DemoException("refusing archive entry with path part '" + part + "'");
            }
            p = p.resolve(part);
        }
        return p;
    }

    private static TarArchiveInputStream tar(Path tgz) throws IOException {
        return new TarArchiveInputStream(new GzipCompressorInputStream(new BufferedInputStream(
                Files.newInputStream(tgz))));
    }

    static String sha256(Path file) throws IOException {
        MessageDigest d = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), d)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
