package io.finetune.inference;

import io.finetune.service.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.List;

/**
 * {@code GET /registry} and {@code GET /registry/{name}}: every model in storage with all its complete versions,
 * their lineage (parent model, dataset version, pretrained weights) and which of them this replica has loaded.
 */
@Controller("/registry")
@ExecuteOn(TaskExecutors.BLOCKING)
class RegistryController {
    private final ModelCatalog catalog;

    RegistryController(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @Get
    List<RegistryModel> list() {
        return catalog.models();
    }

    @Get("/{name}")
    RegistryModel get(@PathVariable String name) {
        return catalog.model(name).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                "expected a model in the registry (one of " + catalog.names() + "), found '" + name + "'"));
    }
}
