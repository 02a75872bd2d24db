package io.finetune.inference;

import io.finetune.service.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;

import java.util.Comparator;
import java.util.List;

/** {@code GET /models} and {@code GET /models/{name}}: active version, when it was loaded, its manifest summary. */
@Controller("/models")
class ModelsController {
    private final ModelRegistry registry;

    ModelsController(ModelRegistry registry) {
        this.registry = registry;
    }

    @Get
    List<ModelStatus> list() {
        return registry.models().stream().sorted(Comparator.comparing(ServedModel::name)).map(ModelStatus::of)
                .toList();
    }

    @Get("/{name}")
    ModelStatus get(@PathVariable String name) {
        return registry.model(name).map(ModelStatus::of).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                "expected a served model, found '" + name + "'"));
    }
}
