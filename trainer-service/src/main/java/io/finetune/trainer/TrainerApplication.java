package io.finetune.trainer;

import io.micronaut.runtime.Micronaut;

public final class TrainerApplication {
    private TrainerApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(TrainerApplication.class).banner(false).start();
    }
}
