package io.finetune.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @ExtendWith(InfraExtension.class)} gives tests an {@link Infra} parameter: one per test JVM, started on
 * first use and stopped when the JVM's test run ends.
 */
public final class InfraExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(InfraExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Infra.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("infra", key -> new Resource(Infra.fromEnvironmentOrStart()), Resource.class)
                .infra();
    }

    private record Resource(Infra infra) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            infra.close();
        }
    }
}
