package io.finetune.inference;

import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.Prediction;
import io.finetune.service.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers predictions on a lease of the model's active version (so a swap never interrupts one), or of the version
 * the request names (loaded on demand when it is not the active one), records the request metrics, and turns every
 * bad input into an {@link ApiException} with a 4xx status.
 */
@Singleton
class PredictionService {
    static final int DEFAULT_TOP_K = 5;

    private final ModelRegistry registry;
    private final ImageAdmission admission;
    private final InferenceMetrics metrics;
    private final InferenceConfiguration config;
    private final OnDemandVersions onDemand;

    PredictionService(ModelRegistry registry, ImageAdmission admission, InferenceMetrics metrics,
                      InferenceConfiguration config, OnDemandVersions onDemand) {
        this.registry = registry;
        this.admission = admission;
        this.metrics = metrics;
        this.config = config;
        this.onDemand = onDemand;
    }

    /** One named image of a batch request. */
    record NamedImage(String name, byte[] bytes) {
    }

    /** @param version the version to answer with; null (or {@code latest}) for the model's served version */
    PredictionResponse predict(String model, @Nullable String version, byte[] image, @Nullable Integer topK) {
        RequestRecord record = new RequestRecord();
        try {
            record.model = servedName(model);
            int k = topK(topK);
            try (LoadedModel.Lease lease = lease(model, version)) {
                record.model = lease.model().name();
                record.version = lease.model().version();
                admission.check(image);
                Prediction p = lease.predict(image, k);
                metrics.images(record.model, 1);
                record.done(InferenceMetrics.Outcome.OK);
                return new PredictionResponse(record.model, record.version, p.top(), p.preprocessMillis(),
                        p.inferenceMillis());
            }
        } catch (ImageRejectedException e) {
            throw record.failed(RejectStatus.toApi(e, ""));
        } catch (ApiException e) {
            throw record.failed(e);
        } catch (RuntimeException e) {
            throw record.failed(fault(model, e));
        }
    }

    BatchPredictionResponse predictBatch(String model, @Nullable String version, List<NamedImage> images,
                                         @Nullable Integer topK) {
        RequestRecord record = new RequestRecord();
        try {
            record.model = servedName(model);
            int k = topK(topK);
            if (images.isEmpty() || images.size() > config.maxBatchImages()) {
                throw new ApiException(images.isEmpty() ? HttpStatus.BAD_REQUEST : HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                        "expected 1 to " + config.maxBatchImages() + " image parts, found " + images.size());
            }
            for (int i = 0; i < images.size(); i++) {
                try {
                    admission.check(images.get(i).bytes());
                } catch (ImageRejectedException e) {
                    throw RejectStatus.toApi(e, describe(images, i));
                }
            }
            try (LoadedModel.Lease lease = lease(model, version)) {
                record.model = lease.model().name();
                record.version = lease.model().version();
                List<Prediction> predictions = predictAll(lease, images, k);
                List<BatchPredictionResponse.ImagePrediction> out = new ArrayList<>();
                for (int i = 0; i < images.size(); i++) {
                    Prediction p = predictions.get(i);
                    out.add(new BatchPredictionResponse.ImagePrediction(images.get(i).name(), p.top(),
                            p.preprocessMillis(), p.inferenceMillis()));
                }
                metrics.images(record.model, images.size());
                record.done(InferenceMetrics.Outcome.OK);
                return new BatchPredictionResponse(record.model, record.version, out);
            }
        } catch (ApiException e) {
            throw record.failed(e);
        } catch (RuntimeException e) {
            throw record.failed(fault(model, e));
        }
    }

    private static List<Prediction> predictAll(LoadedModel.Lease lease, List<NamedImage> images, int k) {
        try {
            return lease.predictBatch(images.stream().map(NamedImage::bytes).toList(), k);
        } catch (ImageRejectedException batchRejected) {
            // Find the image the model rejected, so the error can name it.
            for (int i = 0; i < images.size(); i++) {
                try {
                    lease.predictBatch(List.of(images.get(i).bytes()), k);
                } catch (ImageRejectedException e) {
                    throw RejectStatus.toApi(e, describe(images, i));
                }
            }
            throw RejectStatus.toApi(batchRejected, "");
        }
    }

    private static String describe(List<NamedImage> images, int i) {
        return "image " + (i + 1) + " (" + images.get(i).name() + ")";
    }

    /** The metric label of a request for {@code model} before it is answered: its name only if it is served. */
    private String servedName(String model) {
        return registry.model(model).map(ServedModel::name).orElse(InferenceMetrics.UNKNOWN_MODEL);
    }

    /** The served version, or the version named: the served one when it is that version, else loaded on demand. */
    private LoadedModel.Lease lease(String model, @Nullable String version) {
        if (version == null || version.equals(ModelSelection.LATEST)) {
            return lease(served(model), registry);
        }
        if (!ModelVersions.isVersion(version)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "expected version to be a positive integer or 'latest', "
                    + "found '" + version + "'");
        }
        LoadedModel.Lease active = registry.model(model).map(ServedModel::acquire).orElse(null);
        if (active != null) {
            if (active.model().version().equals(version)) {
                return active;
            }
            active.close();
        }
        return onDemand.acquire(model, version);
    }

    private ServedModel served(String model) {
        return registry.model(model).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                "expected a served model (one of " + registry.models().stream().map(ServedModel::name).sorted()
                        .toList() + "), found '" + model + "'"));
    }

    private int topK(@Nullable Integer topK) {
        int k = topK == null ? DEFAULT_TOP_K : topK;
        if (k < 1 || k > config.maxTopK()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "expected topK from 1 to " + config.maxTopK() + ", found "
                    + k);
        }
        return k;
    }

    private static LoadedModel.Lease lease(ServedModel served, ModelRegistry registry) {
        LoadedModel.Lease lease = served.acquire();
        if (lease == null && served.unloaded()) {
            registry.reload(served);
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "expected a loaded version of model "
                    + served.name() + ", found it unloaded to stay within finetune.inference.serving.max-models "
                    + "(least recently used): it is loading again, retry shortly");
        }
        if (lease == null) {
            // the last failure's text (an exception's) stays in the log and in GET /models/{name}
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "expected a loaded version of model "
                    + served.name() + ", found none (state " + served.state() + ")");
        }
        return lease;
    }

    /** Logged with the request id by the error handler; the caller sees only that id. */
    private static ApiException fault(String model, RuntimeException e) {
        return new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "prediction on model " + model + " failed", e);
    }

    /** Times one request and records it with its outcome, exactly once. */
    private final class RequestRecord {
        private final long start = System.nanoTime();
        private String model = InferenceMetrics.UNKNOWN_MODEL;
        private String version = InferenceMetrics.NO_VERSION;

        void done(InferenceMetrics.Outcome outcome) {
            metrics.request(model, version, outcome, Duration.ofNanos(System.nanoTime() - start));
        }

        ApiException failed(ApiException e) {
            int code = e.status().getCode();
            done(code == 404 ? InferenceMetrics.Outcome.NOT_FOUND : code < 500 ? InferenceMetrics.Outcome.BAD_REQUEST
                    : InferenceMetrics.Outcome.ERROR);
            return e;
        }
    }
}
