package io.finetune.dataset;

import io.micronaut.runtime.Micronaut;

public final class DatasetServiceApplication {
    private DatasetServiceApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(DatasetServiceApplication.class).banner(false).start();
    }
}
