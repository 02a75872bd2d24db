package io.finetune.dataset;

import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.GZIPInputStream;

/**
 * Expands a zip, tar or tar.gz (recognized by content) into a fresh directory, refusing the whole archive when an
 * entry escapes the directory (absolute or {@code ..} paths), is a link or device, when it has too many entries,
 * or when it expands beyond the size or compression-ratio limits. Sizes are counted while copying, never taken
 * from the archive's own claims.
 */
public final class ArchiveExtractor {
    private final ArchiveLimits limits;

    public ArchiveExtractor(ArchiveLimits limits) {
        this.limits = limits;
    }

    public enum Kind { ZIP, TAR, TAR_GZ }

    /** Extracts {@code archive} into {@code target} (created; left partly filled on failure: the caller deletes). */
    public void extract(Path archive, Path target) throws ArchiveRejectedException, IOException {
        Files.createDirectories(target);
        Kind kind = detect(archive);
        long archiveBytes = Files.size(archive);
        Budget budget = new Budget(archiveBytes);
        switch (kind) {
            case ZIP -> extractZip(archive, target, budget);
            case TAR -> {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(archive))) {
                    extractTar(in, target, budget);
                }
            }
            case TAR_GZ -> {
                try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive)),
                        65536)) {
                    extractTar(in, target, budget);
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    public static Kind detect(Path archive) throws ArchiveRejectedException, IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(archive)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4
                || head[3] == 6)) {
            return Kind.ZIP;
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Kind.TAR_GZ;
        }
        if (n >= 262 && head[257] == 'u' && head[258] == 's' && head[259] == 't' && head[260] == 'a'
                && head[261] == 'r') {
            return Kind.TAR;
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(4, n); i++) {
            hex.append(String.format("%02x", head[i] & 0xff));
        }
        throw new ArchiveRejectedException("expected a zip, tar or tar.gz archive, found " + (n == 0 ? "an empty body"
                : "content starting 0x" + hex));
    }

    private void extractZip(Path archive, Path target, Budget budget) throws ArchiveRejectedException, IOException {
        ZipFile zip;
        try {
            zip = ZipFile.builder().setPath(archive).get();
        } catch (IOException e) {
            throw new ArchiveRejectedException("expected a readable zip archive, found: " + e.getMessage(), e);
        }
        try (zip) {
            Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
            while (entries.hasMoreElements()) {
                ZipArchiveEntry entry = entries.nextElement();
                budget.countEntry(entry.getName(), limits);
                if (entry.isUnixSymlink()) {
                    throw new ArchiveRejectedException("archive entry '" + entry.getName() + "' is a symbolic link: "
                            + "expected only regular files and directories");
                }
                Path out = destination(target, entry);
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                    continue;
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    copy(in, out, entry.getName(), entry.getCompressedSize(), budget);
                } catch (IOException e) {
                    throw new ArchiveRejectedException("archive entry '" + entry.getName() + "' cannot be read: "
                            + e.getMessage(), e);
                }
            }
        }
    }

    private void extractTar(InputStream raw, Path target, Budget budget) throws ArchiveRejectedException, IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry entry;
            while ((entry = nextTarEntry(tar)) != null) {
                budget.countEntry(entry.getName(), limits);
                if (entry.isSymbolicLink() || entry.isLink()) {
                    throw new ArchiveRejectedException("archive entry '" + entry.getName() + "' is a "
                            + (entry.isSymbolicLink() ? "symbolic" : "hard") + " link to '" + entry.getLinkName()
                            + "': expected only regular files and directories");
                }
                if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                    throw new ArchiveRejectedException("archive entry '" + entry.getName() + "' is a device or pipe: "
                            + "expected only regular files and directories");
                }
                if (entry.isGlobalPaxHeader() || entry.isPaxHeader()) {
                    continue;
                }
                Path out = destination(target, entry);
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                    continue;
                }
                copy(tar, out, entry.getName(), -1, budget);
            }
        } catch (IOException e) {
            throw new ArchiveRejectedException("expected a readable tar archive, found: " + e.getMessage(), e);
        }
    }

    private static TarArchiveEntry nextTarEntry(TarArchiveInputStream tar) throws ArchiveRejectedException {
        try {
            return tar.getNextEntry();
        } catch (IOException | IllegalArgumentException e) {
            throw new ArchiveRejectedException("expected a readable tar archive, found a broken header: "
                    + e.getMessage(), e);
        }
    }

    /** Where an entry lands; refuses names that are absolute or climb out of {@code target}. */
    static Path destination(Path target, ArchiveEntry entry) throws ArchiveRejectedException {
        String name = entry.getName();
        if (name.isEmpty()) {
            throw new ArchiveRejectedException("archive entry with an empty name: expected a relative path");
        }
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            throw new ArchiveRejectedException("archive entry '" + name + "' has an absolute path: expected a path "
                    + "relative to the archive root");
        }
        for (String part : name.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw new ArchiveRejectedException("archive entry '" + name + "' climbs out of the archive with '..'"
                        + " (zip-slip): expected a path inside the archive");
            }
        }
        Path out = target.resolve(name.replace('\\', '/')).normalize();
        if (!out.startsWith(target)) {
            throw new ArchiveRejectedException("archive entry '" + name + "' resolves outside the archive root");
        }
        return out;
    }

    private void copy(InputStream in, Path out, String name, long compressedSize, Budget budget)
            throws ArchiveRejectedException, IOException {
        Files.createDirectories(out.getParent());
        byte[] buffer = new byte[65536];
        long written = 0;
        try (OutputStream os = Files.newOutputStream(out)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                written += n;
                budget.countBytes(n, limits);
                if (compressedSize >= 0 && written > ArchiveLimits.RATIO_FLOOR_BYTES
                        && written > (long) limits.maxCompressionRatio() * Math.max(1, compressedSize)) {
                    throw new ArchiveRejectedException("archive entry '" + name + "' expands more than "
                            + limits.maxCompressionRatio() + " times (" + compressedSize + " compressed bytes give over "
                            + written + "): a zip bomb is refused");
                }
                os.write(buffer, 0, n);
            }
        }
    }

    /** Running totals across the archive. */
    private static final class Budget {
        private final long archiveBytes;
        private int entries;
        private long bytes;

        Budget(long archiveBytes) {
            this.archiveBytes = archiveBytes;
        }

        void countEntry(String name, ArchiveLimits limits) throws ArchiveRejectedException {
            if (++entries > limits.maxEntries()) {
                throw new ArchiveRejectedException("archive has too many entries: expected at most "
                        + limits.maxEntries() + ", found more (at '" + name + "')");
            }
        }

        void countBytes(int n, ArchiveLimits limits) throws ArchiveRejectedException {
            bytes += n;
            if (bytes > limits.maxExtractedBytes()) {
                throw new ArchiveRejectedException("archive expands beyond " + limits.maxExtractedBytes()
                        + " bytes: expected at most that in total (a zip bomb is refused)");
            }
            if (bytes > ArchiveLimits.RATIO_FLOOR_BYTES && bytes > (long) limits.maxCompressionRatio() * archiveBytes) {
                throw new ArchiveRejectedException("archive expands more than " + limits.maxCompressionRatio()
                        + " times its " + archiveBytes + " bytes (over " + bytes + " bytes so far): a zip bomb is "
                        + "refused");
            }
        }
    }
}
