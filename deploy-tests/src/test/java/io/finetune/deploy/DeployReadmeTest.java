package io.finetune.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/README.md's prerequisites, install commands and validation sources name the versions of versions.env. */
class DeployReadmeTest {
    @Test
    void theReadmeNamesThePinnedVersions() throws IOException {
        String readme = Files.readString(KubeScoreTest.README);
        Map<String, String> v = DeployTools.versions();
        List<String> kubernetes = DeployTools.kubernetesVersions();
        List<String> expected = List.of(
                "| Kubernetes | " + kubernetes.get(0) + " to " + kubernetes.get(kubernetes.size() - 1) + " |",
                "| Strimzi | " + v.get("STRIMZI_VERSION") + " |",
                "strimzi/strimzi-kafka-operator --version " + v.get("STRIMZI_VERSION") + " ",
                "| kube-prometheus-stack | " + v.get("KUBE_PROMETHEUS_STACK_VERSION") + " (Prometheus Operator "
                        + v.get("PROMETHEUS_OPERATOR_VERSION") + ") |",
                "kube-prometheus-stack --version " + v.get("KUBE_PROMETHEUS_STACK_VERSION") + " ",
                "| metrics-server | " + v.get("METRICS_SERVER_VERSION") + " |",
                "metrics-server/releases/download/" + v.get("METRICS_SERVER_VERSION") + "/components.yaml",
                "(a venv) | " + v.get("KUBERNETES_VALIDATE_VERSION") + " ",
                "`example/prometheus-operator-crd/` | " + v.get("PROMETHEUS_OPERATOR_VERSION") + ",",
                "`io.strimzi:api` (a test dependency of deploy-tests) | " + v.get("STRIMZI_VERSION") + " |",
                "kube-score/cmd/kube-score` | " + v.get("KUBE_SCORE_VERSION") + " |",
                "(installed as `compose-spec`) | " + v.get("COMPOSE_GO_VERSION") + ",");
        List<String> missing = new ArrayList<>();
        for (String text : expected) {
            if (!readme.contains(text)) {
                missing.add(text);
            }
        }
        assertTrue(missing.isEmpty(), KubeScoreTest.README + " disagrees with " + DeployTools.VERSIONS
                + ": expected these texts, found none of them:\n" + String.join("\n", missing));
    }
}
