package io.finetune.trainer;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.DatasetSummary;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Split;
import io.finetune.ml.ImageDataset;
import io.finetune.ml.LabeledImage;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Dataset versions from object storage, downloaded once per fingerprint into {@code workDir/datasets/{fingerprint}}
 * and marked complete last, so an interrupted download is repeated rather than trusted. Images packed in shards
 * come with one GET per shard, cut into files here and checked against their sha256; images stored as their own
 * objects (versions written before shards) with one GET each.
 */
@Singleton
public class DatasetCache {
    private static final Logger LOG = LoggerFactory.getLogger(DatasetCache.class);
    private static final String COMPLETE = ".complete";
    private static final int DOWNLOAD_THREADS = 8;

    private final ObjectStore store;
    private final Path root;
    private final LocalCopies copies;

    /** A dataset version as the trainer sees it. */
    public record Resolved(DatasetRef ref, DatasetSummary summary, List<DatasetImage> images) {
        public String fingerprint() {
            return summary.fingerprint();
        }

        public List<String> classes() {
            return summary.classes();
        }
    }

    public DatasetCache(ObjectStore store, TrainerConfiguration configuration, CacheConfiguration cache) {
        this.store = store;
        this.root = configuration.workPath().resolve("datasets");
        this.copies = new LocalCopies(root, 1, cache.datasetBytes());
    }

    /** Holds the local copy of a dataset version against eviction while a job uses it. */
    public LocalCopies.Pin pin(Resolved dataset) {
        return copies.pin(dir(dataset));
    }

    private Path dir(Resolved dataset) {
        return root.resolve(ObjectLayout.requireName("dataset fingerprint", safe(dataset.fingerprint())));
    }

    /** Reads the summary and manifest; {@code latest} becomes the highest visible version. */
    public Resolved resolve(DatasetRef ref) {
        String version = "latest".equals(ref.version()) ? latestVersion(ref.name()) : ref.version();
        String manifestKey = ObjectLayout.datasetManifest(ref.name(), version);
        byte[] manifest = store.get(manifestKey).orElseThrow(() -> new InvalidCommandException(
                "expected dataset " + ref.name() + " version " + version + " (" + manifestKey + "), found none; "
                        + "known versions: " + visibleVersions(ref.name())));
        DatasetSummary summary = store.getJson(ObjectLayout.datasetSummary(ref.name(), version), DatasetSummary.class)
                .orElseThrow(() -> new InvalidCommandException("expected " + ObjectLayout.datasetSummary(ref.name(),
                        version) + " beside its manifest, found none"));
        List<DatasetImage> images = new ArrayList<>();
        String[] lines = new String(manifest, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                try {
                    images.add(ContractCodec.read(lines[i].getBytes(StandardCharsets.UTF_8), DatasetImage.class));
                } catch (RuntimeException e) {
                    throw new InvalidCommandException("expected a DatasetImage at " + manifestKey + " line "
                            + (i + 1) + ", found: " + e.getMessage(), e);
                }
            }
        }
        List<String> classes = summary.classes() != null && !summary.classes().isEmpty() ? summary.classes()
                : List.copyOf(new TreeSet<>(images.stream().map(DatasetImage::className).toList()));
        DatasetSummary withClasses = new DatasetSummary(summary.schemaVersion(), summary.name(), version,
                summary.fingerprint() == null || summary.fingerprint().isBlank()
                        ? ref.name() + "-" + version : summary.fingerprint(), classes, summary.counts(),
                summary.images(), summary.duplicates(), summary.rejected(), summary.createdAt(), summary.source(),
                summary.seed());
        checkUsable(ref.name(), version, classes, images);
        return new Resolved(new DatasetRef(ref.name(), version), withClasses, images);
    }

    /** Downloads what is missing and returns the dataset with local files, labels in {@code classes()} order. */
    public ImageDataset materialize(Resolved dataset) throws IOException {
        Path dir = dir(dataset);
        if (!Files.exists(dir.resolve(COMPLETE))) {
            download(dataset, dir);
            copies.trim();
        } else {
            LOG.info("dataset {} {} from the local cache {}", dataset.ref().name(), dataset.ref().version(), dir);
        }
        Map<Split, List<LabeledImage>> splits = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            splits.put(s, new ArrayList<>());
        }
        for (DatasetImage image : dataset.images()) {
            splits.get(image.split()).add(new LabeledImage(dir.resolve(localName(image)),
                    dataset.classes().indexOf(image.className())));
        }
        Comparator<LabeledImage> byFile = Comparator.comparing(l -> l.file().toString());
        splits.values().forEach(l -> l.sort(byFile));
        return new ImageDataset(dataset.classes(), splits.get(Split.TRAIN), splits.get(Split.VALIDATION),
                splits.get(Split.TEST));
    }

    private void download(Resolved dataset, Path dir) throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(COMPLETE));
        ExecutorService pool = Executors.newFixedThreadPool(DOWNLOAD_THREADS);
        try {
            List<Future<?>> downloads = new ArrayList<>();
            Map<String, List<DatasetImage>> missingByShard = new TreeMap<>();
            for (DatasetImage image : dataset.images()) {
                Path target = dir.resolve(localName(image));
                if (Files.exists(target)) {
                    continue;
                }
                if (image.shard() != null) {
                    missingByShard.computeIfAbsent(image.shard(), k -> new ArrayList<>()).add(image);
                } else {
                    String key = objectKey(dataset.ref(), image);
                    downloads.add(pool.submit(() -> store.download(key, target)));
                }
            }
            for (Map.Entry<String, List<DatasetImage>> shard : missingByShard.entrySet()) {
                downloads.add(pool.submit(() -> {
                    byte[] bytes = store.get(shard.getKey()).orElseThrow(() -> new IllegalStateException(
                            "expected shard " + shard.getKey() + " named by the manifest of dataset "
                                    + dataset.ref().name() + " " + dataset.ref().version() + ", found none"));
                    unpack(shard.getKey(), bytes, shard.getValue(), dir);
                    return null;
                }));
            }
            for (Future<?> f : downloads) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading dataset " + dataset.ref().name(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException(new IOException(e.getCause()));
        } finally {
            pool.shutdownNow();
        }
        Files.writeString(dir.resolve(COMPLETE), dataset.ref().name() + " " + dataset.ref().version());
        LOG.info("downloaded dataset {} {} ({} images, {} shard(s)) into {} in {} s", dataset.ref().name(),
                dataset.ref().version(), dataset.images().size(),
                dataset.images().stream().map(DatasetImage::shard).filter(Objects::nonNull).distinct().count(), dir,
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
    }

    /**
     * Writes each image's slice of a shard to its local file (through a temporary file, so that a file that exists
     * is whole), after checking that the slice lies in the shard and has the manifest's sha256.
     */
    static void unpack(String shardKey, byte[] shard, List<DatasetImage> images, Path dir) throws IOException {
        MessageDigest sha256 = sha256();
        for (DatasetImage image : images) {
            long offset = image.offset() == null ? -1 : image.offset();
            long length = image.length() == null ? -1 : image.length();
            if (offset < 0 || length < 0 || offset + length > shard.length) {
                throw new IllegalStateException("expected " + image.key() + " within the " + shard.length
                        + " bytes of shard " + shardKey + ", found offset " + image.offset() + " length "
                        + image.length());
            }
            sha256.update(shard, (int) offset, (int) length);
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (!actual.equals(image.sha256())) {
                throw new IllegalStateException("expected sha256 " + image.sha256() + " for " + image.key()
                        + " at offset " + offset + " of shard " + shardKey + ", found " + actual);
            }
            Path target = dir.resolve(localName(image));
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".part");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(shard, (int) offset, (int) length);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("expected SHA-256 in every JDK, found none", e);
        }
    }

    /** Manifest keys are full object keys; a key relative to the version folder is accepted too. */
    static String objectKey(DatasetRef ref, DatasetImage image) {
        String prefix = ObjectLayout.datasetVersionPrefix(ref.name(), ref.version());
        return image.key().startsWith(ObjectLayout.DATASETS) ? image.key() : prefix + image.key();
    }

    private static String localName(DatasetImage image) {
        String key = image.key();
        String file = key.substring(key.lastIndexOf('/') + 1);
        return image.split().key() + "/" + image.className() + "/" + file;
    }

    private static String safe(String fingerprint) {
        String s = fingerprint.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        return s.length() > 64 ? s.substring(0, 64) : s;
    }

    private String latestVersion(String name) {
        return visibleVersions(name).stream().max(Comparator.naturalOrder()).map(String::valueOf)
                .orElseThrow(() -> new InvalidCommandException("expected dataset " + name + " with at least one "
                        + "complete version (" + ObjectLayout.datasetPrefix(name) + "{version}/"
                        + ObjectLayout.MANIFEST_JSONL + "), found none"));
    }

    private List<Integer> visibleVersions(String name) {
        List<Integer> versions = new ArrayList<>();
        for (String child : store.children(ObjectLayout.datasetPrefix(name))) {
            parseVersion(child).filter(v -> store.exists(ObjectLayout.datasetManifest(name, child)))
                    .ifPresent(versions::add);
        }
        versions.sort(null);
        return versions;
    }

    static Optional<Integer> parseVersion(String s) {
        try {
            int v = Integer.parseInt(s);
            return v > 0 ? Optional.of(v) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void checkUsable(String name, String version, List<String> classes, List<DatasetImage> images) {
        if (classes.size() < 2) {
            throw new InvalidCommandException("expected dataset " + name + " " + version + " to have at least 2 "
                    + "classes, found " + classes.size() + ": " + classes);
        }
        for (DatasetImage image : images) {
            if (image.split() == null || image.key() == null || !classes.contains(image.className())) {
                throw new InvalidCommandException("expected every manifest line of dataset " + name + " " + version
                        + " to name a split, a key and one of the classes " + classes + ", found " + image);
            }
        }
        for (String c : classes) {
            if (images.stream().noneMatch(i -> i.split() == Split.TRAIN && i.className().equals(c))) {
                throw new InvalidCommandException("expected training images of every class in dataset " + name + " "
                        + version + ", found none of class " + c);
            }
        }
    }
}
