package io.finetune.inference;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code finetune.inference.*}; every key also comes from the environment ({@code FINETUNE_INFERENCE_MODELS=a,b:3}).
 *
 * @param models               models pinned by configuration, served whatever the serving state says: {@code name}
 *                             (= {@code name:latest}) or {@code name:<version>}
 * @param startupWait          readiness waits at most this long for configured models that are not published (or
 *                             whose published version cannot be loaded); after it, they are reported but no longer
 *                             hold readiness, answer 503 and are loaded as soon as a version appears
 * @param pointerCheckInterval how often the serving state and the {@code latest} pointers are re-read to catch
 *                             missed events
 * @param followNewModels      a model without a serving state (announced by a {@code ModelPublished}, or found in
 *                             the registry at a reconciliation) gets one that follows its latest version (so every
 *                             replica serves it, also after a restart)
 * @param maxTopK              largest {@code topK} a request may ask for (answers hold at most the model's classes)
 * @param maxImageBytes        largest encoded image accepted (413 above)
 * @param maxImagePixels       largest width x height accepted, read from the header before decoding (413 above)
 * @param maxBatchImages       most images in one batch request
 * @param workDir              where model packages are downloaded (default: a temporary directory)
 * @param batchingEnabled      micro-batching: concurrent single-image requests share one network pass
 * @param batchingMaxSize      a micro-batch runs once it holds this many images...
 * @param batchingMaxWait      ...or this long after its first image arrived
 * @param batchingWorkers      micro-batches prepared and run concurrently
 */
@ConfigurationProperties("finetune.inference")
public record InferenceConfiguration(
        @Nullable List<String> models,
        @Bindable(defaultValue = "60s") @NotNull Duration startupWait,
        @Bindable(defaultValue = "30s") @NotNull Duration pointerCheckInterval,
        @Bindable(defaultValue = "true") boolean followNewModels,
        @Bindable(defaultValue = "100") @Min(1) @Max(1000) int maxTopK,
        @Bindable(defaultValue = "8388608") @Min(1) @Max(33554432) long maxImageBytes,
        @Bindable(defaultValue = "40000000") @Min(1) @Max(40000000) long maxImagePixels,
        @Bindable(defaultValue = "32") @Min(1) @Max(512) int maxBatchImages,
        @Nullable String workDir,
        @Bindable(defaultValue = "false") boolean batchingEnabled,
        @Bindable(defaultValue = "8") @Min(1) @Max(256) int batchingMaxSize,
        @Bindable(defaultValue = "5ms") @NotNull Duration batchingMaxWait,
        @Bindable(defaultValue = "2") @Min(1) @Max(64) int batchingWorkers) {

    public InferenceConfiguration {
        models = models == null ? List.of() : models.stream().filter(m -> !m.isBlank()).map(String::trim).toList();
        selections(models);
        if (pointerCheckInterval != null && pointerCheckInterval.toMillis() < 100) {
            throw new IllegalArgumentException("expected finetune.inference.pointer-check-interval >= 100ms, found "
                    + pointerCheckInterval);
        }
    }

    /** The configured models, parsed; fails naming the bad entry or a model listed twice. */
    public List<ModelSelection> selections() {
        return selections(models);
    }

    private static List<ModelSelection> selections(List<String> models) {
        List<ModelSelection> out = models.stream().map(m -> {
            try {
                return ModelSelection.parse(m);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("finetune.inference.models: " + e.getMessage(), e);
            }
        }).toList();
        long distinct = out.stream().map(ModelSelection::name).distinct().count();
        if (distinct != out.size()) {
            throw new IllegalArgumentException("expected each model once in finetune.inference.models, found "
                    + models);
        }
        return out;
    }

    public Path workDirectory() {
        return workDir == null || workDir.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"),
                "finetune-inference") : Path.of(workDir);
    }
}
