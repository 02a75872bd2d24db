package io.finetune.demo;

import java.nio.file.Path;

/**
 * Where the flower sets come from when no folder is given and ../shared/datasets is absent: the official
 * archives (tf_flowers {@code flower_photos.tgz}; Oxford {@code 102flowers.tgz}, {@code imagelabels.mat},
 * {@code setid.mat}).
 */
final class OfficialArchives {
    static final String FLOWER5_URL =
            "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz";
    static final String FLOWER102_URL = "https://www.robots.ox.ac.uk/~vgg/data/flowers/102/102flowers.tgz";

    private OfficialArchives() {
    }

    static void explainMissing(Path flower5, Path flower102, Path cache) {
        throw new DemoException("expected the flower images in " + flower5 + " and " + flower102 + ", found none. "
                + "Pass --flower5 DIR --flower102 DIR, or put the datasets in ../shared/datasets (layout: "
                + "flower5/<class>/*.jpg, flower102/{train,valid}/<class>/*.jpg). The official archives are "
                + FLOWER5_URL + " and " + FLOWER102_URL + " (with imagelabels.mat and setid.mat).");
    }
}
