package io.finetune.inference;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Readiness: DOWN until every configured model is active or {@code finetune.inference.startup-wait} has passed
 * (see {@link ModelRegistry#ready()}). Details list each model's state and version, and how many partitions of
 * the publish topic this replica reads.
 */
@Singleton
@Readiness
class ModelsReadiness implements HealthIndicator {
    private final ModelRegistry registry;
    private final ModelPublishedListener listener;

    ModelsReadiness(ModelRegistry registry, ModelPublishedListener listener) {
        this.registry = registry;
        this.listener = listener;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        Map<String, Object> details = new LinkedHashMap<>();
        for (ServedModel m : registry.models()) {
            details.put(m.name(), m.state() + (m.activeVersion() == null ? "" : " version " + m.activeVersion()));
        }
        details.put("startupWaitOver", registry.startupWaitOver());
        details.put("publishTopicPartitions", listener.assignedPartitions());
        HealthResult result = HealthResult.builder("models", registry.ready() ? HealthStatus.UP : HealthStatus.DOWN)
                .details(details).build();
        return Publishers.just(result);
    }
}
