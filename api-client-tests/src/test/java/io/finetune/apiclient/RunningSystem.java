package io.finetune.apiclient;

import io.finetune.system.LocalSystem;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.Infra;
import io.finetune.testkit.RepositoryLayout;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.UUID;

/**
 * {@code @ExtendWith(RunningSystem.Extension.class)}: the four services as processes (gateway, dataset, trainer,
 * inference) against the test JVM's Kafka and MinIO, started once for every test class of the JVM that asks for it
 * and stopped before the infrastructure is.
 */
public record RunningSystem(LocalSystem system, String gatewayUrl, String apiKey) {
    public static final class Extension implements ParameterResolver {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
                RunningSystem.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == RunningSystem.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            // the shared Infra first, so that it is registered (and closed) before the services
            Infra infra = (Infra) new InfraExtension().resolveParameter(parameter, context);
            return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("system", key -> {
                String apiKey = "api-client-key-" + UUID.randomUUID();
                LocalSystem system = LocalSystem.start(infra, apiKey, RepositoryLayout.scratch("api-client-tests"));
                return new Resource(new RunningSystem(system, system.url(LocalSystem.Service.GATEWAY), apiKey));
            }, Resource.class).running();
        }
    }

    private record Resource(RunningSystem running) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            running.system().close();
        }
    }
}
