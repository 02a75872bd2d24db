package io.finetune.inference;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;

/**
 * When the service is ready: once every model that holds readiness (configured, or desired when the replica
 * started) has an active version, or once {@code startupWait} has passed since start, whichever comes first (so a
 * model that is not published yet never blocks a replica forever). A model from the serving state whose version
 * was refused (it failed its checks) and that has none active no longer holds readiness: waiting cannot fix it, and
 * it shows as FAILED in {@code GET /models}.
 */
record StartupGate(Instant startedAt, Duration startupWait) {
    boolean waitOver(Instant now) {
        return Duration.between(startedAt, now).compareTo(startupWait) >= 0;
    }

    boolean ready(Collection<ServedModel> models, Instant now) {
        return models.stream().filter(ServedModel::holdsReadiness)
                .allMatch(m -> m.state() == ServedModel.State.ACTIVE || m.unloaded()
                        || !m.configured() && m.refusedWithNoneActive()) || waitOver(now);
    }
}
