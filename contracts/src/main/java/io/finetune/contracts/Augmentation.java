package io.finetune.contracts;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * Online augmentation of training images; all draws are seeded from the job's seed.
 *
 * @param flip            random horizontal flip
 * @param maxRotationDegrees rotation drawn from [-max, max]
 * @param minCropScale    random resized crop keeps at least this fraction of the area (1 = no crop)
 * @param brightness      brightness offset drawn from [-b, b] on [0,1] pixels
 * @param contrast        contrast factor drawn from [1-c, 1+c]
 */
public record Augmentation(boolean flip,
                           @Schema(minimum = "0", maximum = "45") double maxRotationDegrees,
                           @Schema(minimum = "0.1", maximum = "1") double minCropScale,
                           @Schema(minimum = "0", maximum = "1") double brightness,
                           @Schema(minimum = "0", maximum = "1") double contrast) {
    public static final Augmentation NONE = new Augmentation(false, 0, 1, 0, 0);
    public static final Augmentation STANDARD = new Augmentation(true, 10, 0.8, 0.1, 0.1);
}
