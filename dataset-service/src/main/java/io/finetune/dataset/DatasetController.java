package io.finetune.dataset;

import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ApiException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * {@code /datasets}: archive uploads ({@code POST /datasets/{name}}, raw zip/tar/tar.gz body, options as query
 * parameters), server-side imports ({@code POST /datasets/{name}/import}), and the read side. Ingests answer 202
 * with the version's status URL.
 */
@Controller("/datasets")
@ExecuteOn(TaskExecutors.BLOCKING)
public class DatasetController {
    private final DatasetIngester ingester;
    private final DatasetCatalog catalog;
    private final ImportRoots roots;
    private final ArchiveUploads uploads;

    public DatasetController(DatasetIngester ingester, DatasetCatalog catalog, ImportRoots roots,
                             ArchiveUploads uploads) {
        this.ingester = ingester;
        this.catalog = catalog;
        this.roots = roots;
        this.uploads = uploads;
    }

    @Post(uri = "/{name}", consumes = {MediaType.APPLICATION_OCTET_STREAM, "application/zip", "application/x-zip-compressed",
            "application/x-tar", "application/gzip", "application/x-gzip", "application/x-compressed-tar"})
    public HttpResponse<IngestAccepted> upload(String name, @Body InputStream body, HttpRequest<?> request) {
        requireName(name);
        IngestOptions options = options(request);
        return accepted(uploads.ingest(name, body, request.getContentLength(), options), request);
    }

    @Post(uri = "/{name}/import", consumes = MediaType.APPLICATION_JSON)
    public HttpResponse<IngestAccepted> importDirectory(String name, @Body ImportRequest request,
                                                        HttpRequest<?> http) {
        requireName(name);
        IngestOptions options = badRequestOnError(request::options);
        try {
            var dir = roots.resolve(request.path());
            SourceScanner scanner = new SourceScanner(file -> roots.requireInside(file, file.toString()));
            return accepted(ingester.start(name, dir, dir.toString(), options, scanner, () -> { }), http);
        } catch (ImportRoots.ForbiddenPathException e) {
            throw new ApiException(HttpStatus.FORBIDDEN, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, e.getMessage());
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "import of " + request.path() + " failed", e);
        }
    }

    @Get
    public List<DatasetView> list() {
        return catalog.list();
    }

    @Get("/{name}")
    public Optional<DatasetView> dataset(String name) {
        requireName(name);
        return Optional.of(catalog.dataset(name).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                "expected dataset '" + name + "', found no version of it")));
    }

    @Get("/{name}/{version}")
    public Optional<DatasetVersionView> version(String name, String version) {
        requireName(name);
        return Optional.of(badRequestOnError(() -> catalog.version(name, version)).orElseThrow(() ->
                new ApiException(HttpStatus.NOT_FOUND, "expected version " + version + " of dataset '" + name
                        + "', found none")));
    }

    /** 202 with the status URL; behind a proxy that sets {@code X-Forwarded-Prefix} (the gateway), under it. */
    private static HttpResponse<IngestAccepted> accepted(IngestJob job, HttpRequest<?> request) {
        String prefix = request.getHeaders().get("X-Forwarded-Prefix");
        String url = (prefix == null || !prefix.matches("(/[A-Za-z0-9._-]+)+") ? "" : prefix) + "/datasets/"
                + job.name() + "/" + job.version();
        return HttpResponse.<IngestAccepted>status(HttpStatus.ACCEPTED)
                .body(new IngestAccepted(job.name(), job.version(), job.state(), url, job.files()))
                .headers(h -> h.location(URI.create(url)));
    }

    static IngestOptions options(HttpRequest<?> request) {
        var p = request.getParameters();
        return badRequestOnError(() -> IngestOptions.of(number(p.get("train"), "train", Double::valueOf),
                number(p.get("validation"), "validation", Double::valueOf), number(p.get("test"), "test",
                        Double::valueOf), p.get("split"), number(p.get("testFraction"), "testFraction",
                        Double::valueOf), number(p.get("seed"), "seed", Long::valueOf), p.get("storage"),
                number(p.get("maxSide"), "maxSide", Integer::valueOf), number(p.get("augmentCopies"),
                        "augmentCopies", Integer::valueOf), number(p.get("minImagesPerClass"), "minImagesPerClass",
                        Integer::valueOf)));
    }

    private static <T> T number(String value, String parameter, java.util.function.Function<String, T> parse) {
        if (value == null) {
            return null;
        }
        try {
            return parse.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number for query parameter '" + parameter + "', found '"
                    + value + "'");
        }
    }

    private static void requireName(String name) {
        badRequestOnError(() -> ObjectLayout.requireName("dataset name", name));
    }

    static <T> T badRequestOnError(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

}
