package io.finetune.gateway.jobs;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.LinkedHashMap;
import java.util.Map;

/** Not ready until the jobs view has been rebuilt from the topics, so a restarted gateway never shows less. */
@Singleton
@Readiness
public class JobsViewReadiness implements HealthIndicator {
    private final TrainingTopicsReader reader;
    private final JobViewStore store;

    public JobsViewReadiness(TrainingTopicsReader reader, JobViewStore store) {
        this.reader = reader;
        this.store = store;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("jobs", store.size());
        if (reader.lastError() != null) {
            details.put("error", reader.lastError());
        }
        return Mono.just(HealthResult.builder("jobsView", reader.caughtUp() ? HealthStatus.UP : HealthStatus.DOWN)
                .details(details).build());
    }
}
