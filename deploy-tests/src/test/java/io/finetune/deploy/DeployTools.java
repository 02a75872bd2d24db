package io.finetune.deploy;

import io.finetune.testkit.RepositoryLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validation tools {@code ./finetune setup} installs into {@code .local/deploy-tools/}, one folder per version, at
 * the versions pinned in {@code deploy/versions.env}. A missing tool fails the test (never skips it): CI runs on a
 * fresh clone after {@code ./finetune setup}, so a missing tool there is a broken setup.
 */
final class DeployTools {
    static final Path VERSIONS = Yamls.repo("deploy/versions.env");
    private static final String HINT = "run ./finetune setup, which installs it at the version of deploy/versions.env";

    private DeployTools() {
    }

    /** KEY=value lines of deploy/versions.env (quotes removed), in file order. */
    static Map<String, String> versions() {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(VERSIONS)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                int eq = l.indexOf('=');
                if (eq < 1) {
                    throw new AssertionError(VERSIONS + ": expected KEY=value, found '" + line + "'");
                }
                out.put(l.substring(0, eq), l.substring(eq + 1).replace("\"", ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + VERSIONS, e);
        }
        return out;
    }

    static String version(String key) {
        String v = versions().get(key);
        if (v == null || v.isBlank()) {
            throw new AssertionError(VERSIONS + ": expected " + key + ", found none");
        }
        return v;
    }

    /** The Kubernetes minor versions every overlay is validated against, oldest first. */
    static List<String> kubernetesVersions() {
        return Arrays.asList(version("KUBERNETES_VERSIONS").trim().split("\\s+"));
    }

    static Path kubernetesValidate() {
        return installed("kubernetes-validate-" + version("KUBERNETES_VALIDATE_VERSION"), "bin/kubernetes-validate");
    }

    static Path kubeScore() {
        return installed("kube-score-" + version("KUBE_SCORE_VERSION"), "kube-score");
    }

    static Path composeSpec() {
        return installed("compose-go-" + version("COMPOSE_GO_VERSION"), "compose-spec");
    }

    /** A CRD file of the pinned Prometheus Operator, e.g. monitoring.coreos.com_servicemonitors.yaml. */
    static Path prometheusOperatorCrd(String file) {
        return installed("prometheus-operator-" + version("PROMETHEUS_OPERATOR_VERSION"), "crds/" + file);
    }

    private static Path installed(String folder, String file) {
        String localDir = System.getenv("FINETUNE_LOCAL_DIR");
        Path local = localDir == null || localDir.isBlank() ? RepositoryLayout.root().resolve(".local")
                : Path.of(localDir);
        Path p = local.resolve("deploy-tools").resolve(folder).resolve(file);
        if (!Files.exists(p)) {
            throw new AssertionError("expected " + p + ", found nothing: " + HINT);
        }
        return p;
    }
}
