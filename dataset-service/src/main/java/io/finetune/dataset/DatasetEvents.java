package io.finetune.dataset;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetEvent;
import io.finetune.contracts.DatasetEventType;
import io.finetune.contracts.DatasetSummary;
import io.finetune.contracts.RejectReason;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Map;

/** Announces ingest outcomes on the dataset topic. */
@Singleton
public class DatasetEvents {
    private static final Logger LOG = LoggerFactory.getLogger(DatasetEvents.class);
    private final DatasetEventClient client;

    public DatasetEvents(DatasetEventClient client) {
        this.client = client;
    }

    /** Publishes READY; false when Kafka did not acknowledge (the caller keeps what it needs to retry). */
    public boolean ready(DatasetSummary s) {
        int rejected = (int) s.rejected().stream().filter(r -> r.reason() != RejectReason.DUPLICATE).count();
        return send(new DatasetEvent(DatasetEvent.SCHEMA_VERSION, s.name(), s.version(), DatasetEventType.READY,
                Instant.now(), s.fingerprint(), s.counts(), s.images(), rejected, null));
    }

    public void failed(String name, String version, String reason) {
        send(new DatasetEvent(DatasetEvent.SCHEMA_VERSION, name, version, DatasetEventType.FAILED, Instant.now(),
                null, Map.of(), 0, 0, reason));
    }

    private boolean send(DatasetEvent event) {
        try {
            client.send(event.datasetName(), ContractCodec.encode(event));
            return true;
        } catch (RuntimeException e) {
            LOG.error("could not publish {} event for dataset {} version {}: {}", event.type(), event.datasetName(),
                    event.version(), e.getMessage(), e);
            return false;
        }
    }
}
