package io.finetune.inference;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes what this replica serves to {@code serving/replicas/{replicaId}.json} after every change of the registry
 * (bursts of changes make one write), so that any replica can show every replica's actual state; the report is
 * removed at shutdown. Reports of replicas that died without removing theirs go stale and are shown as such.
 */
@Context
class ReplicaReporter {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaReporter.class);

    private final ModelRegistry registry;
    private final ServingStates states;
    private final String replicaId;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "replica-reporter");
        t.setDaemon(true);
        return t;
    });

    ReplicaReporter(ModelRegistry registry, ServingStates states, ServingConfiguration config,
                    @Value("${micronaut.server.port:8083}") int port) {
        this.registry = registry;
        this.states = states;
        this.replicaId = config.replicaId() != null && !config.replicaId().isBlank() ? config.replicaId()
                : hostName() + "-" + port;
        registry.onChange(this::schedule);
    }

    String replicaId() {
        return replicaId;
    }

    private void schedule() {
        if (!writer.isShutdown() && queued.compareAndSet(false, true)) {
            try {
                writer.execute(this::write);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down: the report is being removed
            }
        }
    }

    private void write() {
        queued.set(false);
        Instant now = Instant.now();
        try {
            states.report(report(now));
        } catch (RuntimeException e) {
            LOG.warn("cannot write the serving report of replica {} (written again at the next change): {}",
                    replicaId, e.getMessage());
        }
    }

    /** This replica's actual state now. */
    ReplicaReport report(Instant now) {
        List<ServedModel> models = registry.models().stream().sorted(Comparator.comparing(ServedModel::name)).toList();
        models.forEach(m -> m.divergedSince(now)); // the divergence clock starts when it is first seen
        return new ReplicaReport(replicaId, now, models.stream().map(ReplicaReport.ModelReport::of).toList());
    }

    @EventListener
    void onShutdown(ShutdownEvent event) {
        writer.shutdownNow();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
            states.removeReport(replicaId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("cannot remove the serving report of replica {}: {}", replicaId, e.getMessage());
        }
    }

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host.replaceAll("[^A-Za-z0-9._-]", "-");
        }
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
        } catch (UnknownHostException e) {
            return "inference";
        }
    }
}
