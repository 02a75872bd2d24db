package io.finetune.gateway;

import io.micronaut.runtime.Micronaut;

public final class GatewayApplication {
    private GatewayApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(GatewayApplication.class).banner(false).start();
    }
}
