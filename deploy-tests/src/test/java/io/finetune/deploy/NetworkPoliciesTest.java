package io.finetune.deploy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NetworkPolicies of every overlay, evaluated offline as Kubernetes applies them (a connection needs an egress
 * rule of its source's policies and an ingress rule of its destination's, each for the port): a default-deny holds
 * for every pod, each pod has a policy of its own, and exactly the intended paths are open. Only the gateway's API is
 * reachable from outside the namespace; Prometheus (namespace monitoring) reaches each service's /prometheus port.
 */
class NetworkPoliciesTest {
    private static final String NAMESPACE = "finetune";
    private static final Set<String> BASELINE = Set.of("default-deny", "allow-dns");

    /** A pod as policies see it: its namespace and labels. */
    record Pod(String name, String namespace, Map<String, String> labels) {
    }

    static List<String> overlays() {
        return RenderedOverlay.names();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyPodIsDeniedByDefaultAndSelectedByAPolicyOfItsOwn(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        NetworkPolicy deny = r.one(NetworkPolicy.class, "default-deny");
        assertTrue(isEmpty(deny.getSpec().getPodSelector()), overlay + ": default-deny must select every pod");
        assertEquals(List.of("Ingress", "Egress"), deny.getSpec().getPolicyTypes());
        assertTrue(deny.getSpec().getIngress().isEmpty() && deny.getSpec().getEgress().isEmpty(),
                overlay + ": default-deny allows nothing");
        Set<String> uncovered = new TreeSet<>();
        for (Pod pod : pods(r).values()) {
            boolean own = r.all(NetworkPolicy.class).stream().filter(p -> !BASELINE.contains(p.getMetadata().getName()))
                    .anyMatch(p -> selects(p, pod));
            if (!own) {
                uncovered.add(pod.name());
            }
        }
        assertTrue(uncovered.isEmpty(), overlay + ": pods without a NetworkPolicy of their own: " + uncovered);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void onlyTheGatewayApiIsOpenToTheOutside(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        Map<String, Pod> pods = pods(r);
        Pod outside = new Pod("ingress-controller", "ingress-nginx", Map.of("app.kubernetes.io/name", "ingress-nginx"));
        assertTrue(allowed(r, outside, pods.get("gateway"), 8080), overlay + ": the gateway's API from outside");
        Map<String, Integer> closed = new LinkedHashMap<>();
        closed.put("gateway", 8091);
        closed.put("dataset-service", 8081);
        closed.put("trainer-service", 8082);
        closed.put("inference-service", 8083);
        closed.put("minio", 9000);
        closed.put("kafka", 9092);
        closed.forEach((target, port) -> assertTrue(!allowed(r, outside, pods.get(target), port),
                overlay + ": expected " + target + ":" + port + " closed to the outside"));
        assertTrue(!allowed(r, outside, pods.get("minio"), 9001), overlay + ": MinIO's console is closed");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void eachPathTheSystemUsesIsOpenAndNoOther(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        Map<String, Pod> pods = pods(r);
        Pod prometheus = new Pod("prometheus", "monitoring", Map.of("app.kubernetes.io/name", "prometheus"));
        Set<String> open = new TreeSet<>();
        Set<String> expected = new TreeSet<>(Set.of(
                "gateway->dataset-service:8081", "gateway->inference-service:8083", "gateway->kafka:9092",
                "dataset-service->kafka:9092", "trainer-service->kafka:9092", "inference-service->kafka:9092",
                "dataset-service->minio:9000", "trainer-service->minio:9000", "inference-service->minio:9000",
                "storage-init->minio:9000", "minio->minio:9000", "kafka->kafka:9092"));
        Map<String, Integer> ports = Map.of("gateway", 8080, "dataset-service", 8081, "trainer-service", 8082,
                "inference-service", 8083, "minio", 9000, "kafka", 9092);
        for (Pod from : pods.values()) {
            for (Map.Entry<String, Integer> to : ports.entrySet()) {
                if (allowed(r, from, pods.get(to.getKey()), to.getValue())) {
                    open.add(from.name() + "->" + to.getKey() + ":" + to.getValue());
                }
            }
        }
        assertEquals(expected, open, overlay + ": paths between the namespace's pods");
        for (String scraped : List.of("dataset-service", "trainer-service", "inference-service")) {
            assertTrue(allowed(r, prometheus, pods.get(scraped), ports.get(scraped)),
                    overlay + ": Prometheus scrapes " + scraped);
        }
        assertTrue(allowed(r, prometheus, pods.get("gateway"), 8091), overlay + ": Prometheus scrapes the gateway");
        Pod stranger = new Pod("other", "monitoring", Map.of("app.kubernetes.io/name", "grafana"));
        assertTrue(!allowed(r, stranger, pods.get("inference-service"), 8083),
                overlay + ": another pod of the monitoring namespace may not call a backend");
    }

    /** Every pod of the overlay by name, plus the Kafka brokers Strimzi creates from the Kafka resource. */
    private static Map<String, Pod> pods(RenderedOverlay r) {
        Map<String, Pod> pods = new LinkedHashMap<>();
        r.all(Deployment.class).forEach(d -> pods.put(d.getMetadata().getName(), pod(d.getMetadata().getName(),
                d.getSpec().getTemplate())));
        r.all(StatefulSet.class).forEach(s -> pods.put(s.getMetadata().getName(), pod(s.getMetadata().getName(),
                s.getSpec().getTemplate())));
        r.all(Job.class).forEach(j -> pods.put(j.getMetadata().getName(), pod(j.getMetadata().getName(),
                j.getSpec().getTemplate())));
        String cluster = r.custom("Kafka").get(0).getMetadata().getName();
        pods.put("kafka", new Pod("kafka", NAMESPACE, Map.of("strimzi.io/cluster", cluster, "strimzi.io/kind",
                "Kafka", "strimzi.io/name", cluster + "-kafka")));
        return pods;
    }

    private static Pod pod(String name, PodTemplateSpec template) {
        return new Pod(name, NAMESPACE, template.getMetadata().getLabels());
    }

    /** Whether {@code from} may open a connection to {@code to} on a TCP port. */
    static boolean allowed(RenderedOverlay r, Pod from, Pod to, int port) {
        return egressAllowed(r, from, to, port) && ingressAllowed(r, from, to, port);
    }

    private static boolean egressAllowed(RenderedOverlay r, Pod from, Pod to, int port) {
        if (!from.namespace().equals(NAMESPACE)) {
            return true;
        }
        List<NetworkPolicy> policies = r.all(NetworkPolicy.class).stream()
                .filter(p -> p.getSpec().getPolicyTypes().contains("Egress") && selects(p, from)).toList();
        return policies.isEmpty() || policies.stream().flatMap(p -> p.getSpec().getEgress().stream())
                .anyMatch(rule -> ports(rule.getPorts(), port) && peers(rule.getTo(), to));
    }

    private static boolean ingressAllowed(RenderedOverlay r, Pod from, Pod to, int port) {
        List<NetworkPolicy> policies = r.all(NetworkPolicy.class).stream()
                .filter(p -> p.getSpec().getPolicyTypes().contains("Ingress") && selects(p, to)).toList();
        return policies.isEmpty() || policies.stream().flatMap(p -> p.getSpec().getIngress().stream())
                .anyMatch(rule -> ports(rule.getPorts(), port) && peers(rule.getFrom(), from));
    }

    private static boolean selects(NetworkPolicy policy, Pod pod) {
        return pod.namespace().equals(NAMESPACE) && matches(policy.getSpec().getPodSelector(), pod.labels());
    }

    private static boolean ports(List<NetworkPolicyPort> ports, int port) {
        return ports.isEmpty() || ports.stream().anyMatch(p -> (p.getProtocol() == null || p.getProtocol()
                .equals("TCP")) && p.getPort() != null && Integer.valueOf(port).equals(p.getPort().getIntVal()));
    }

    /** No peers: any source or destination; else one peer must match (a podSelector alone: this namespace). */
    private static boolean peers(List<NetworkPolicyPeer> peers, Pod pod) {
        if (peers.isEmpty()) {
            return true;
        }
        for (NetworkPolicyPeer peer : peers) {
            assertEquals(null, peer.getIpBlock(), "ipBlock peers are not evaluated here");
            boolean namespace = peer.getNamespaceSelector() == null ? pod.namespace().equals(NAMESPACE)
                    : matches(peer.getNamespaceSelector(), Map.of("kubernetes.io/metadata.name", pod.namespace()));
            boolean labels = peer.getPodSelector() == null || matches(peer.getPodSelector(), pod.labels());
            if (namespace && labels) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(LabelSelector selector, Map<String, String> labels) {
        assertTrue(selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty(),
                "matchExpressions are not evaluated here");
        Map<String, String> wanted = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        return labels.entrySet().containsAll(wanted.entrySet());
    }

    private static boolean isEmpty(LabelSelector selector) {
        return (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
    }
}
