package io.finetune.dataset;

/** Body of {@code POST /datasets/{name}/import}: a server-side directory under an import root, plus options. */
public record ImportRequest(String path, Double train, Double validation, Double test, String split,
                            Double testFraction, Long seed, String storage, Integer maxSide, Integer augmentCopies,
                            Integer minImagesPerClass) {
    public IngestOptions options() {
        return IngestOptions.of(train, validation, test, split, testFraction, seed, storage, maxSide, augmentCopies,
                minImagesPerClass);
    }
}
