package io.finetune.inference;

import io.finetune.service.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.multipart.CompletedFileUpload;
import io.micronaut.http.multipart.CompletedPart;
import io.micronaut.http.server.multipart.MultipartBody;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Reads the file parts of a multipart body, in order (form fields without a file are ignored). */
final class MultipartFiles {
    private static final long TIMEOUT_SECONDS = 120;

    private MultipartFiles() {
    }

    static List<PredictionService.NamedImage> collect(MultipartBody body) {
        CompletableFuture<List<PredictionService.NamedImage>> result = new CompletableFuture<>();
        List<PredictionService.NamedImage> files = new ArrayList<>();
        body.subscribe(new Subscriber<>() {
            @Override
            public void onSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(CompletedPart part) {
                if (part instanceof CompletedFileUpload file) {
                    try {
                        String name = file.getFilename() == null || file.getFilename().isBlank() ? file.getName()
                                : file.getFilename();
                        files.add(new PredictionService.NamedImage(name, file.getBytes()));
                    } catch (IOException e) {
                        result.completeExceptionally(e);
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                result.complete(files);
            }
        });
        try {
            return result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "interrupted while reading the multipart body");
        } catch (TimeoutException e) {
            throw new ApiException(HttpStatus.REQUEST_TIMEOUT, "expected the multipart body within "
                    + TIMEOUT_SECONDS + " s, found it incomplete");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r && r.getClass().getSimpleName().contains("ContentLength")) {
                throw r;
            }
            throw new ApiException(HttpStatus.BAD_REQUEST, "expected a well-formed multipart body, found: "
                    + cause.getMessage());
        }
    }
}
