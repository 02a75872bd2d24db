package io.finetune.gateway;

import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The served OpenAPI document and the routes the gateway really has are the same set. */
@ExtendWith(InfraExtension.class)
class OpenApiDocumentIT {
    @Test
    @SuppressWarnings("unchecked")
    void everyApiRouteIsDocumentedAndEveryDocumentedOperationExists(Infra infra) throws Exception {
        Map<String, Object> p = new HashMap<>(infra.serviceProperties());
        p.put("micronaut.server.port", FreePorts.next());
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, p)) {
            Set<String> routes = server.getApplicationContext().getBean(Router.class).uriRoutes()
                    .filter(r -> r.getUriMatchTemplate().toString().startsWith("/api/"))
                    .filter(r -> !"HEAD".equals(r.getHttpMethodName())) // Micronaut adds HEAD to every GET
                    .map(OpenApiDocumentIT::operation)
                    .collect(Collectors.toCollection(TreeSet::new));
            GatewayClient client = new GatewayClient("http://127.0.0.1:" + server.getPort());
            HttpResponse<String> doc = client.get("/openapi/finetune-gateway-v1.yml");
            assertEquals(200, doc.statusCode(), doc.body());
            Map<String, Object> paths = (Map<String, Object>) new Yaml().<Map<String, Object>>load(doc.body())
                    .get("paths");
            Set<String> documented = new TreeSet<>();
            paths.forEach((path, ops) -> ((Map<String, Object>) ops).keySet().stream()
                    .filter(m -> Set.of("get", "post", "put", "delete", "patch").contains(m))
                    .forEach(m -> documented.add(m.toUpperCase() + " " + path)));
            assertFalse(routes.isEmpty());
            assertEquals(routes, documented, "controller routes vs the served OpenAPI document");
        }
    }

    private static String operation(UriRouteInfo<?, ?> route) {
        // a template like /api/v1/jobs{/id} or /api/v1/predict/{model}{?topK} in the OpenAPI path form
        String path = route.getUriMatchTemplate().toPathString().replaceAll("\\{\\?[^}]*}", "")
                .replaceAll("\\{([^}/:?]+):[^}]*}", "{$1}") // {version:regex} is {version} in the document
                .replaceAll("\\{/([^}]*)}", "/{$1}");
        return route.getHttpMethodName() + " " + path;
    }
}
