package io.finetune.trainer;

import io.finetune.ml.NativeBackend;
import io.micronaut.runtime.Micronaut;

public final class TrainerApplication {
    private TrainerApplication() {
    }

    public static void main(String[] args) {
        // ND4J's natives load here, on the main thread, before any other thread can dlopen a library: loaded
        // concurrently with the HTTP server's startup, JavaCPP's symbol lookup once deadlocked inside glibc
        NativeBackend.load();
        Micronaut.build(args).mainClass(TrainerApplication.class).banner(false).start();
    }
}
