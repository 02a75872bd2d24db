package io.finetune.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every overlay renders, fits the Kubernetes model, and agrees with the services and with docker-compose.yml. */
class KustomizeOverlaysTest {
    /** Liveness and readiness of Micronaut's health endpoint, on the service port. */
    private static final Set<String> HEALTH_PATHS = Set.of("/health", "/health/liveness", "/health/readiness");
    private static final Set<String> SECRET_ENV = Set.of("FINETUNE_STORAGE_ACCESS_KEY", "FINETUNE_STORAGE_SECRET_KEY",
            "FINETUNE_GATEWAY_API_KEYS");

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void everyObjectFitsTheModelAndNoSecretIsCommitted(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        Set<String> kinds = new TreeSet<>();
        r.objects.forEach(o -> kinds.add(o.getKind()));
        assertEquals(Set.of("Namespace", "Deployment", "Service", "ConfigMap", "PodDisruptionBudget",
                "HorizontalPodAutoscaler", "Kafka", "KafkaNodePool", "KafkaTopic", "Tenant", "ServiceMonitor",
                "PrometheusRule"), kinds);
        r.objects.forEach(o -> {
            if (!o.getKind().equals("Namespace")) {
                assertEquals("finetune", o.getMetadata().getNamespace(), overlay + ": namespace of " + o.getKind()
                        + " " + o.getMetadata().getName());
            }
        });
        for (FinetuneService s : FinetuneService.values()) {
            r.one(Deployment.class, s.module);
            r.one(Service.class, s.module);
            r.one(PodDisruptionBudget.class, s.module);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void selectorsMatchPodLabels(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        for (Deployment d : r.all(Deployment.class)) {
            Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(podLabels.entrySet().containsAll(d.getSpec().getSelector().getMatchLabels().entrySet()),
                    overlay + ": Deployment " + d.getMetadata().getName() + " selector does not match its pods");
        }
        for (Service svc : r.all(Service.class)) {
            Deployment d = matchingDeployment(r, svc.getSpec().getSelector(), "Service " + svc.getMetadata().getName());
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            for (ServicePort p : svc.getSpec().getPorts()) {
                assertEquals(p.getPort(), containerPort(c, p.getTargetPort()), overlay + ": Service "
                        + svc.getMetadata().getName() + " port " + p.getName() + " vs the container port");
            }
        }
        for (PodDisruptionBudget pdb : r.all(PodDisruptionBudget.class)) {
            matchingDeployment(r, pdb.getSpec().getSelector().getMatchLabels(), "PDB " + pdb.getMetadata().getName());
            assertTrue(pdb.getSpec().getMinAvailable() != null ^ pdb.getSpec().getMaxUnavailable() != null,
                    overlay + ": PDB " + pdb.getMetadata().getName() + ": expected minAvailable or maxUnavailable");
            Deployment d = r.one(Deployment.class, pdb.getMetadata().getName());
            if (pdb.getSpec().getMinAvailable() != null) {
                assertTrue(pdb.getSpec().getMinAvailable().getIntVal() < d.getSpec().getReplicas(), overlay
                        + ": PDB " + pdb.getMetadata().getName() + " minAvailable would block every eviction");
            }
        }
        HorizontalPodAutoscaler hpa = r.one(HorizontalPodAutoscaler.class, "inference-service");
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        r.one(Deployment.class, hpa.getSpec().getScaleTargetRef().getName());
        assertTrue(hpa.getSpec().getMinReplicas() <= hpa.getSpec().getMaxReplicas());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void probesHitTheHealthEndpointOnTheServicePort(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        for (FinetuneService s : FinetuneService.values()) {
            int port = ServiceConfig.of(s).port();
            Container c = container(r, s);
            assertEquals(port, c.getPorts().get(0).getContainerPort(), overlay + " " + s.module + ": container port");
            assertEquals(port, r.one(Service.class, s.module).getSpec().getPorts().get(0).getPort());
            for (Probe probe : new Probe[]{c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe()}) {
                assertNotNull(probe, overlay + " " + s.module + ": expected startup, readiness and liveness probes");
                HTTPGetAction get = probe.getHttpGet();
                assertNotNull(get, overlay + " " + s.module + ": expected HTTP probes");
                assertTrue(HEALTH_PATHS.contains(get.getPath()), overlay + " " + s.module + ": expected a probe path in "
                        + HEALTH_PATHS + ", found " + get.getPath());
                assertEquals(port, containerPort(c, get.getPort()), overlay + " " + s.module + ": probe port");
            }
            assertEquals("/health/readiness", c.getReadinessProbe().getHttpGet().getPath());
            assertEquals("/health/liveness", c.getLivenessProbe().getHttpGet().getPath());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void everyContainerHasRequestsWithinLimits(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        for (FinetuneService s : FinetuneService.values()) {
            Map<String, Quantity> requests = container(r, s).getResources().getRequests();
            Map<String, Quantity> limits = container(r, s).getResources().getLimits();
            for (String resource : List.of("cpu", "memory")) {
                Quantity request = requests.get(resource);
                Quantity limit = limits.get(resource);
                assertNotNull(request, overlay + " " + s.module + ": expected a " + resource + " request");
                assertNotNull(limit, overlay + " " + s.module + ": expected a " + resource + " limit");
                assertTrue(request.getNumericalAmount().compareTo(limit.getNumericalAmount()) <= 0,
                        overlay + " " + s.module + ": " + resource + " request " + request + " above limit " + limit);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void environmentAgreesWithComposeAndSecretsAreReferencesOnly(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        for (FinetuneService s : FinetuneService.values()) {
            Map<String, String> compose = ComposeFileTest.environment(s.module);
            Map<String, EnvVar> k8s = environment(r, container(r, s));
            assertEquals(new TreeSet<>(compose.keySet()), new TreeSet<>(k8s.keySet()),
                    overlay + " " + s.module + ": environment names in k8s vs docker-compose.yml");
            for (String name : k8s.keySet()) {
                EnvVar v = k8s.get(name);
                if (SECRET_ENV.contains(name)) {
                    assertTrue(v.getValue() == null && v.getValueFrom() != null
                                    && v.getValueFrom().getSecretKeyRef() != null,
                            overlay + " " + s.module + ": expected " + name + " from a Secret reference");
                } else if (name.startsWith("MICRONAUT_HTTP_SERVICES_") || name.equals("FINETUNE_STORAGE_BUCKET")) {
                    assertEquals(compose.get(name), v.getValue(), overlay + " " + s.module + ": " + name);
                }
            }
            assertEquals(ObjectLayout.DEFAULT_BUCKET, k8s.get("FINETUNE_STORAGE_BUCKET").getValue());
            String kafka = k8s.get("KAFKA_BOOTSTRAP_SERVERS").getValue();
            GenericKubernetesResource cluster = r.custom("Kafka").get(0);
            int plainPort = listenerPort(cluster);
            assertEquals(cluster.getMetadata().getName() + "-kafka-bootstrap:" + plainPort, kafka,
                    overlay + " " + s.module + ": expected Strimzi's bootstrap Service of the Kafka cluster");
            assertEquals("http://minio:80", k8s.get("FINETUNE_STORAGE_ENDPOINT").getValue(),
                    "expected the MinIO tenant's Service 'minio' (port 80 without TLS)");
        }
        assertTrue(r.objects.stream().noneMatch(o -> o.getKind().equals("Secret")), "expected no Secret objects");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void imagesAreTheComposeImagesAndOnlyTheGpuTrainerAsksForAGpu(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        for (FinetuneService s : FinetuneService.values()) {
            Container c = container(r, s);
            String composeImage = (String) ComposeFileTest.service(s.module).get("image");
            boolean gpuTrainer = overlay.equals("gpu") && s == FinetuneService.TRAINER;
            assertEquals(gpuTrainer ? composeImage + "-cuda" : composeImage, c.getImage(), overlay + " " + s.module);
            Quantity gpu = c.getResources().getLimits().get("nvidia.com/gpu");
            if (gpuTrainer) {
                assertEquals(new Quantity("1"), gpu, "gpu trainer: expected nvidia.com/gpu: 1");
                assertEquals(new Quantity("1"), c.getResources().getRequests().get("nvidia.com/gpu"));
                assertFalse(r.one(Deployment.class, s.module).getSpec().getTemplate().getSpec().getTolerations()
                        .isEmpty(), "gpu trainer: expected a toleration for GPU nodes");
            } else {
                assertEquals(null, gpu, overlay + " " + s.module + ": no GPU expected");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void kafkaTopicsAreTheContractTopicsOnTheDeclaredCluster(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        String cluster = r.custom("Kafka").get(0).getMetadata().getName();
        Set<String> topics = new TreeSet<>();
        for (GenericKubernetesResource t : r.custom("KafkaTopic")) {
            assertEquals(cluster, t.getMetadata().getLabels().get("strimzi.io/cluster"), "topic cluster label");
            Map<String, Object> spec = Yamls.map(t.getAdditionalProperties().get("spec"), "KafkaTopic.spec");
            topics.add((String) spec.get("topicName"));
            assertEquals(3, spec.get("partitions"), "partitions of " + spec.get("topicName"));
            assertTrue((Integer) spec.get("replicas") >= 1);
        }
        assertEquals(new TreeSet<>(Topics.all()), topics, overlay + ": KafkaTopics vs io.finetune.contracts.Topics");
        GenericKubernetesResource pool = r.custom("KafkaNodePool").get(0);
        assertEquals(cluster, pool.getMetadata().getLabels().get("strimzi.io/cluster"));
        assertEquals(List.of("controller", "broker"), Yamls.map(pool.getAdditionalProperties().get("spec"), "spec")
                .get("roles"), "expected a KRaft node pool");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void minioTenantServesTheBucketWithCredentialsFromASecret(String overlay) {
        GenericKubernetesResource tenant = RenderedOverlay.of(overlay).custom("Tenant").get(0);
        Map<String, Object> spec = Yamls.map(tenant.getAdditionalProperties().get("spec"), "Tenant.spec");
        assertEquals(Boolean.FALSE, spec.get("requestAutoCert"), "expected plain HTTP (the services' endpoint)");
        assertEquals(List.of(Map.of("name", ObjectLayout.DEFAULT_BUCKET)), spec.get("buckets"));
        assertEquals("finetune-minio-env", Yamls.map(spec.get("configuration"), "configuration").get("name"));
        for (Object pool : Yamls.list(spec.get("pools"), "pools")) {
            Map<String, Object> p = Yamls.map(pool, "pool");
            assertTrue((Integer) p.get("servers") * (Integer) p.get("volumesPerServer") >= 4,
                    "expected at least 4 drives for erasure coding");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void serviceMonitorsScrapeEveryServiceLikePrometheusYml(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        Set<String> prometheusJobs = PrometheusConfigTest.scrapeTargets(PrometheusConfigTest.DIR
                .resolve("prometheus.yml")).keySet();
        Set<String> scraped = new TreeSet<>();
        for (GenericKubernetesResource sm : r.custom("ServiceMonitor")) {
            Map<String, Object> spec = Yamls.map(sm.getAdditionalProperties().get("spec"), "ServiceMonitor.spec");
            Map<String, Object> selector = Yamls.map(Yamls.map(spec.get("selector"), "selector").get("matchLabels"), "ml");
            String jobLabel = (String) spec.get("jobLabel");
            Map<String, Object> endpoint = Yamls.map(Yamls.list(spec.get("endpoints"), "endpoints").get(0), "endpoint");
            assertEquals("/prometheus", endpoint.get("path"));
            for (Service svc : r.all(Service.class)) {
                Map<String, String> labels = svc.getMetadata().getLabels();
                if (labels.entrySet().containsAll(selector.entrySet())) {
                    assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals(endpoint.get("port"))),
                            "Service " + svc.getMetadata().getName() + ": expected port " + endpoint.get("port"));
                    scraped.add(labels.get(jobLabel));
                }
            }
        }
        assertEquals(prometheusJobs, scraped, overlay + ": job names from the ServiceMonitors vs prometheus.yml");
    }

    /** The PrometheusRule is a copy of alerts.yml's groups (Kustomize cannot read it): it must not drift. */
    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void prometheusRuleHoldsExactlyTheAlertRulesOfAlertsYml(String overlay) {
        List<GenericKubernetesResource> rules = RenderedOverlay.of(overlay).custom("PrometheusRule");
        assertEquals(1, rules.size());
        Object groups = Yamls.map(rules.get(0).getAdditionalProperties().get("spec"), "spec").get("groups");
        assertEquals(Yamls.snake(PrometheusConfigTest.DIR.resolve("alerts.yml")).get("groups"), groups,
                "k8s/base/prometheus-rules.yaml differs from deploy/observability/prometheus/alerts.yml: copy the groups");
        assertEquals("kube-prometheus-stack", rules.get(0).getMetadata().getLabels().get("release"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void grafanaDashboardsConfigMapHoldsTheDashboardFiles(String overlay) throws IOException {
        ConfigMap cm = RenderedOverlay.of(overlay).one(ConfigMap.class, "finetune-grafana-dashboards");
        assertEquals("1", cm.getMetadata().getLabels().get("grafana_dashboard"));
        Map<String, String> expected = new LinkedHashMap<>();
        for (Path f : GrafanaDashboardsTest.dashboardFiles()) {
            expected.put(f.getFileName().toString(), Files.readString(f));
        }
        assertEquals(expected.keySet(), cm.getData().keySet());
        expected.forEach((file, json) -> assertEquals(json, cm.getData().get(file), overlay + ": dashboard " + file));
    }

    private static Deployment matchingDeployment(RenderedOverlay r, Map<String, String> selector, String what) {
        List<Deployment> matches = r.all(Deployment.class).stream().filter(d -> d.getSpec().getTemplate()
                .getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
        assertEquals(1, matches.size(), r.name + ": " + what + " selector " + selector + " should match exactly one "
                + "Deployment's pods, found " + matches.size());
        return matches.get(0);
    }

    private static Container container(RenderedOverlay r, FinetuneService s) {
        List<Container> containers = r.one(Deployment.class, s.module).getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    private static int containerPort(Container c, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError("container " + c.getName() + ": expected a port named "
                        + port.getStrVal() + ", found " + c.getPorts()));
    }

    /** The container's environment, including the keys of the ConfigMaps it loads with envFrom. */
    private static Map<String, EnvVar> environment(RenderedOverlay r, Container c) {
        Map<String, EnvVar> env = new LinkedHashMap<>();
        c.getEnvFrom().forEach(from -> {
            ConfigMap cm = r.one(ConfigMap.class, from.getConfigMapRef().getName());
            cm.getData().forEach((k, v) -> env.put(k, new EnvVar(k, v, null)));
        });
        c.getEnv().forEach(e -> env.put(e.getName(), e));
        return env;
    }

    private static int listenerPort(GenericKubernetesResource kafka) {
        Map<String, Object> spec = Yamls.map(Yamls.map(kafka.getAdditionalProperties().get("spec"), "spec").get("kafka"),
                "spec.kafka");
        for (Object l : Yamls.list(spec.get("listeners"), "listeners")) {
            Map<String, Object> listener = Yamls.map(l, "listener");
            if (Boolean.FALSE.equals(listener.get("tls")) && "internal".equals(listener.get("type"))) {
                return (Integer) listener.get("port");
            }
        }
        throw new AssertionError("expected an internal plain listener on the Kafka cluster");
    }
}
