package io.finetune.inference;

import io.finetune.service.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.server.multipart.MultipartBody;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.List;

/**
 * {@code POST /predict/{model}?topK=5}: one image as the raw body ({@code image/jpeg}, {@code image/png},
 * {@code application/octet-stream}) or as the one file of a multipart form. {@code POST /predict/{model}/batch}:
 * several files in one multipart form. Any other content type is a 415. {@code ?version=N} answers with that
 * version of the model instead of its served one.
 */
@Controller("/predict")
@ExecuteOn(TaskExecutors.BLOCKING)
class PredictController {
    private final PredictionService predictions;

    PredictController(PredictionService predictions) {
        this.predictions = predictions;
    }

    @Post(uri = "/{model}", consumes = {MediaType.IMAGE_JPEG, MediaType.IMAGE_PNG, MediaType.APPLICATION_OCTET_STREAM})
    PredictionResponse predictRaw(@PathVariable String model, @QueryValue @Nullable Integer topK,
                                  @QueryValue @Nullable String version, @Body @Nullable byte[] image) {
        return predictions.predict(model, version, image == null ? new byte[0] : image, topK);
    }

    @Post(uri = "/{model}", consumes = MediaType.MULTIPART_FORM_DATA)
    PredictionResponse predictMultipart(@PathVariable String model, @QueryValue @Nullable Integer topK,
                                        @QueryValue @Nullable String version, @Body MultipartBody body) {
        List<PredictionService.NamedImage> files = MultipartFiles.collect(body);
        if (files.size() != 1) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "expected exactly one image file part, found "
                    + files.size() + " (use /predict/" + model + "/batch for several)");
        }
        return predictions.predict(model, version, files.get(0).bytes(), topK);
    }

    @Post(uri = "/{model}/batch", consumes = MediaType.MULTIPART_FORM_DATA)
    BatchPredictionResponse predictBatch(@PathVariable String model, @QueryValue @Nullable Integer topK,
                                         @QueryValue @Nullable String version, @Body MultipartBody body) {
        return predictions.predictBatch(model, version, MultipartFiles.collect(body), topK);
    }
}
