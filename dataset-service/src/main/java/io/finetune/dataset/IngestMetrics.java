package io.finetune.dataset;

import io.finetune.contracts.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The dataset meters, named as the dashboards expect: {@code finetune_dataset_images_ingested_total{dataset}},
 * {@code finetune_dataset_images_rejected_total{reason}}, {@code finetune_dataset_stored_bytes_total},
 * {@code finetune_dataset_ingest_seconds} (histogram), {@code finetune_dataset_ingests_in_flight}.
 */
@Singleton
public class IngestMetrics {
    private final MeterRegistry registry;
    private final Counter storedBytes;
    private final Timer ingest;
    private final AtomicInteger inFlight = new AtomicInteger();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.storedBytes = Counter.builder("finetune.dataset.stored.bytes")
                .description("Bytes written to object storage by dataset ingests").register(registry);
        this.ingest = Timer.builder("finetune.dataset.ingest").description("Duration of dataset ingests")
                .publishPercentileHistogram().register(registry);
        registry.gauge("finetune.dataset.ingests.in.flight", inFlight);
        for (RejectReason reason : RejectReason.values()) {
            rejectedCounter(reason);
        }
    }

    void ingested(String dataset, int images) {
        Counter.builder("finetune.dataset.images.ingested").description("Images accepted into dataset versions")
                .tag("dataset", dataset).register(registry).increment(images);
    }

    void rejected(RejectReason reason) {
        rejectedCounter(reason).increment();
    }

    private Counter rejectedCounter(RejectReason reason) {
        return Counter.builder("finetune.dataset.images.rejected").description("Input files rejected, by reason")
                .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
    }

    void stored(long bytes) {
        storedBytes.increment(bytes);
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished(Duration took) {
        inFlight.decrementAndGet();
        ingest.record(took);
    }
}
