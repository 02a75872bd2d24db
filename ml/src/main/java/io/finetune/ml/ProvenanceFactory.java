package io.finetune.ml;

import io.finetune.contracts.Provenance;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Map;

/** Where an artifact comes from: versions of what computed it, the git revision (env FINETUNE_GIT_REVISION). */
final class ProvenanceFactory {
    static final String DL4J_VERSION = "1.0.0-M2.1";

    private ProvenanceFactory() {
    }

    static Provenance current() {
        String revision = System.getenv().getOrDefault("FINETUNE_GIT_REVISION", "unknown");
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown";
        }
        return new Provenance(Instant.now(), revision, Map.of("deeplearning4j", DL4J_VERSION,
                "nd4j-backend", NativeBackend.describe(), "java", System.getProperty("java.version")), host);
    }
}
