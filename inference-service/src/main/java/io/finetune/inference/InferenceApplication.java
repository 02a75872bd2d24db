package io.finetune.inference;

import io.micronaut.runtime.Micronaut;

public final class InferenceApplication {
    private InferenceApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(InferenceApplication.class).banner(false).start();
    }
}
