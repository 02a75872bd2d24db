package io.finetune.ml;

import io.finetune.contracts.Provenance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;

/**
 * Where an artifact comes from: versions of what computed it (the DL4J version from this build's pom, through the
 * filtered {@code build-versions.properties}), the git revision (env {@code FINETUNE_GIT_REVISION}, which the
 * launcher sets from the checkout) and the host.
 */
final class ProvenanceFactory {
    static final String DL4J_VERSION = buildVersion("deeplearning4j");

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

    static String buildVersion(String library) {
        Properties versions = new Properties();
        try (InputStream in = ProvenanceFactory.class.getResourceAsStream("build-versions.properties")) {
            if (in == null) {
                throw new IllegalStateException("expected io/finetune/ml/build-versions.properties on the classpath, "
                        + "found none (a build without the ml module's resources)");
            }
            versions.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read io/finetune/ml/build-versions.properties", e);
        }
        String version = versions.getProperty(library);
        if (version == null || version.isBlank() || version.contains("${")) {
            throw new IllegalStateException("expected the version of " + library + " in build-versions.properties, "
                    + "found '" + version + "'");
        }
        return version;
    }
}
