package io.finetune.gateway;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeIn;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

@OpenAPIDefinition(info = @Info(title = "finetune-gateway", version = "v1",
        description = "Training jobs, datasets, models and predictions. Mutating requests need an API key."))
@SecurityScheme(name = "apiKey", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
        paramName = "X-API-Key")
public final class GatewayApplication {
    private GatewayApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(GatewayApplication.class).banner(false).start();
    }
}
