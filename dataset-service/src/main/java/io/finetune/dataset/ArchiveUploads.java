package io.finetune.dataset;

import io.finetune.service.ApiException;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An uploaded archive, from request body to ingest: spooled to disk while counting (over the limit: 413),
 * extracted with every archive check (refused: 400, nothing stored), then ingested like a directory; the spool
 * and the extracted tree are deleted when the ingest ends.
 */
@Singleton
public class ArchiveUploads {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveUploads.class);
    private final DatasetIngester ingester;
    private final WorkDirectory work;
    private final ArchiveExtractor extractor;
    private final long maxUploadBytes;

    public ArchiveUploads(DatasetIngester ingester, WorkDirectory work, DatasetConfiguration configuration) {
        this.ingester = ingester;
        this.work = work;
        this.extractor = new ArchiveExtractor(ArchiveLimits.of(configuration));
        this.maxUploadBytes = configuration.maxUploadBytes();
    }

    public IngestJob ingest(String name, InputStream body, long contentLength, IngestOptions options) {
        if (contentLength > maxUploadBytes) {
            throw tooLarge(contentLength);
        }
        Path spool = work.newFile("upload");
        Path extracted = work.newFile("extract");
        boolean started = false;
        try {
            long size = spool(body, spool);
            if (size == 0) {
                throw new ApiException(HttpStatus.BAD_REQUEST, "expected a zip, tar or tar.gz archive in the request "
                        + "body, found an empty body");
            }
            extractor.extract(spool, extracted);
            Files.deleteIfExists(spool);
            IngestJob job = ingester.start(name, extracted, "upload of " + size + " bytes", options,
                    new SourceScanner(file -> { }), () -> WorkDirectory.deleteTree(extracted));
            started = true;
            return job;
        } catch (ArchiveRejectedException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "archive refused, nothing stored: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, e.getMessage());
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "upload of dataset " + name + " failed", e);
        } finally {
            deleteQuietly(spool);
            if (!started) {
                WorkDirectory.deleteTree(extracted);
            }
        }
    }

    private long spool(InputStream body, Path spool) {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        try (InputStream in = body; OutputStream out = Files.newOutputStream(spool)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > maxUploadBytes) {
                    throw tooLarge(total);
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the upload failed after " + total + " bytes: " + e.getMessage(),
                    e);
        }
        return total;
    }

    private ApiException tooLarge(long size) {
        return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "expected an archive of at most "
                + maxUploadBytes + " bytes (finetune.dataset.max-upload-bytes), found " + size
                + (size > maxUploadBytes ? " or more" : "") + " bytes");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", p, e.getMessage());
        }
    }
}
