package io.finetune.dataset;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Builds zip, tar and tar.gz test archives, hostile ones included. */
final class Archives {
    private Archives() {
    }

    /** An archive entry: a file with bytes, or a symbolic link when {@code linkTarget} is set. */
    record Entry(String name, byte[] bytes, String linkTarget) {
        static Entry file(String name, byte[] bytes) {
            return new Entry(name, bytes, null);
        }

        static Entry link(String name, String target) {
            return new Entry(name, new byte[0], target);
        }
    }

    static void zip(Path out, List<Entry> entries) {
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(Files.newOutputStream(out))) {
            for (Entry e : entries) {
                ZipArchiveEntry z = new ZipArchiveEntry(e.name());
                if (e.linkTarget() != null) {
                    z.setUnixMode(0120777);
                    zip.putArchiveEntry(z);
                    zip.write(e.linkTarget().getBytes());
                } else {
                    zip.putArchiveEntry(z);
                    zip.write(e.bytes());
                }
                zip.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void tar(Path out, List<Entry> entries, boolean gzip) {
        try (OutputStream raw = Files.newOutputStream(out);
             OutputStream os = gzip ? new GZIPOutputStream(raw) : raw;
             TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry t;
                if (e.linkTarget() != null) {
                    t = new TarArchiveEntry(e.name(), TarArchiveEntry.LF_SYMLINK);
                    t.setLinkName(e.linkTarget());
                } else {
                    t = new TarArchiveEntry(e.name(), true);
                    t.setSize(e.bytes().length);
                }
                tar.putArchiveEntry(t);
                if (e.linkTarget() == null) {
                    tar.write(e.bytes());
                }
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every regular file under {@code dir} as an entry named relative to {@code dir}'s parent (one wrapping folder). */
    static List<Entry> tree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().map(p -> Entry.file(
                    dir.getParent().relativize(p).toString().replace('\\', '/'), read(p))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
