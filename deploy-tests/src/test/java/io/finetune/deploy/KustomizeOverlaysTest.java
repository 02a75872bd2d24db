package io.finetune.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.Topics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every overlay renders, fits the Kubernetes model, and agrees with the services and with docker-compose.yml. */
class KustomizeOverlaysTest {
    /**
     * An image from a registry, pinned by digest: a registry host (with a dot, or with a port, like localhost:5000),
     * a path, @sha256: and 64 hex digits. Without such a host, a name means Docker Hub.
     */
    private static final Pattern REGISTRY_IMAGE = Pattern.compile(
            "([a-z0-9-]+(\\.[a-z0-9-]+)+(:\\d+)?|[a-z0-9-]+:\\d+)(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}");
    /** MinIO's distributed drives: http://minio-{0...N}.<headless service>.finetune.svc/<path>. */
    private static final Pattern MINIO_PEERS = Pattern.compile("http://minio-\\{0\\.\\.\\.(\\d+)}\\.([a-z0-9-]+)"
            + "\\.finetune\\.svc/\\S+");
    /** Liveness and readiness of Micronaut's health endpoint, on the service port. */
    private static final Set<String> HEALTH_PATHS = Set.of("/health", "/health/liveness", "/health/readiness");
    private static final Set<String> SECRET_ENV = Set.of("FINETUNE_STORAGE_ACCESS_KEY", "FINETUNE_STORAGE_SECRET_KEY",
            "FINETUNE_GATEWAY_API_KEYS");

    static List<String> overlays() {
        return RenderedOverlay.names();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyObjectFitsTheModelAndNoSecretIsCommitted(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        Set<String> kinds = new TreeSet<>();
        r.objects.forEach(o -> kinds.add(o.getKind()));
        Set<String> expected = new TreeSet<>(Set.of("Deployment", "StatefulSet", "Service", "ConfigMap",
                "PodDisruptionBudget", "HorizontalPodAutoscaler", "Kafka", "KafkaNodePool", "KafkaTopic",
                "ServiceMonitor", "PrometheusRule", "Job", "NetworkPolicy"));
        if (r.components().contains("ingress")) {
            expected.add("Ingress");
        }
        // No Namespace: `kubectl delete -k` would delete it, and with it the hand-made Secrets and every PVC.
        assertEquals(expected, kinds);
        r.objects.forEach(o -> assertEquals("finetune", o.getMetadata().getNamespace(), overlay + ": namespace of "
                + o.getKind() + " " + o.getMetadata().getName()));
        for (FinetuneService s : FinetuneService.values()) {
            r.one(Deployment.class, s.module);
            r.one(Service.class, s.module);
            r.one(PodDisruptionBudget.class, s.module);
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void selectorsMatchPodLabels(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        for (Deployment d : r.all(Deployment.class)) {
            Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(podLabels.entrySet().containsAll(d.getSpec().getSelector().getMatchLabels().entrySet()),
                    overlay + ": Deployment " + d.getMetadata().getName() + " selector does not match its pods");
        }
        for (StatefulSet s : r.all(StatefulSet.class)) {
            Map<String, String> podLabels = s.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(podLabels.entrySet().containsAll(s.getSpec().getSelector().getMatchLabels().entrySet()),
                    overlay + ": StatefulSet " + s.getMetadata().getName() + " selector does not match its pods");
            r.one(Service.class, s.getSpec().getServiceName());
        }
        for (Service svc : r.all(Service.class)) {
            PodTemplateSpec pod = matchingWorkloads(r, svc.getSpec().getSelector(), "Service " + svc.getMetadata()
                    .getName());
            Container c = pod.getSpec().getContainers().get(0);
            for (ServicePort p : svc.getSpec().getPorts()) {
                assertEquals(p.getPort(), containerPort(c, p.getTargetPort()), overlay + ": Service "
                        + svc.getMetadata().getName() + " port " + p.getName() + " vs the container port");
            }
        }
        for (PodDisruptionBudget pdb : r.all(PodDisruptionBudget.class)) {
            matchingWorkloads(r, pdb.getSpec().getSelector().getMatchLabels(), "PDB " + pdb.getMetadata().getName());
            assertTrue(pdb.getSpec().getMinAvailable() != null ^ pdb.getSpec().getMaxUnavailable() != null,
                    overlay + ": PDB " + pdb.getMetadata().getName() + ": expected minAvailable or maxUnavailable");
            if (pdb.getSpec().getMinAvailable() != null) {
                int fewest = minimumReplicas(r, pdb.getMetadata().getName());
                assertTrue(pdb.getSpec().getMinAvailable().getIntVal() < fewest,
                        overlay + ": PDB " + pdb.getMetadata().getName() + " minAvailable would block every eviction");
            }
        }
        HorizontalPodAutoscaler hpa = r.one(HorizontalPodAutoscaler.class, "inference-service");
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        r.one(Deployment.class, hpa.getSpec().getScaleTargetRef().getName());
        assertTrue(hpa.getSpec().getMinReplicas() <= hpa.getSpec().getMaxReplicas());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void probesHitTheHealthEndpointOnTheServicePort(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        for (FinetuneService s : FinetuneService.values()) {
            int port = ServiceConfig.of(s).port();
            int management = ServiceConfig.of(s).managementPort();
            Container c = container(r, s);
            assertEquals(port, c.getPorts().get(0).getContainerPort(), overlay + " " + s.module + ": container port");
            assertEquals(port, r.one(Service.class, s.module).getSpec().getPorts().get(0).getPort());
            for (Probe probe : new Probe[]{c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe()}) {
                assertNotNull(probe, overlay + " " + s.module + ": expected startup, readiness and liveness probes");
                HTTPGetAction get = probe.getHttpGet();
                assertNotNull(get, overlay + " " + s.module + ": expected HTTP probes");
                assertTrue(HEALTH_PATHS.contains(get.getPath()), overlay + " " + s.module + ": expected a probe path in "
                        + HEALTH_PATHS + ", found " + get.getPath());
                assertEquals(management, containerPort(c, get.getPort()), overlay + " " + s.module
                        + ": probe port (the management port)");
            }
            assertEquals("/health/readiness", c.getReadinessProbe().getHttpGet().getPath());
            assertEquals("/health/liveness", c.getLivenessProbe().getHttpGet().getPath());
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
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
    @MethodSource("overlays")
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
            String kafka = k8s.get("KAFKA_BOOTSTRAP_SERVERS").getValue();
            GenericKubernetesResource cluster = r.custom("Kafka").get(0);
            int plainPort = listenerPort(cluster);
            assertEquals(cluster.getMetadata().getName() + "-kafka-bootstrap:" + plainPort, kafka,
                    overlay + " " + s.module + ": expected Strimzi's bootstrap Service of the Kafka cluster");
            if (s.storageUser().isEmpty()) {
                continue;
            }
            assertEquals(ObjectLayout.DEFAULT_BUCKET, k8s.get("FINETUNE_STORAGE_BUCKET").getValue());
            int minioPort = r.one(Service.class, "minio").getSpec().getPorts().get(0).getPort();
            assertEquals("http://minio:" + minioPort, k8s.get("FINETUNE_STORAGE_ENDPOINT").getValue(),
                    "expected MinIO's Service 'minio' over plain HTTP");
            for (String name : List.of("FINETUNE_STORAGE_ACCESS_KEY", "FINETUNE_STORAGE_SECRET_KEY")) {
                assertEquals(storageSecret(s), k8s.get(name).getValueFrom().getSecretKeyRef().getName(),
                        overlay + " " + s.module + ": " + name + " from the Secret of its own MinIO user");
            }
        }
        assertTrue(r.objects.stream().noneMatch(o -> o.getKind().equals("Secret")), "expected no Secret objects");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void imagesAreTheComposeImagesAndOnlyTheGpuTrainerAsksForAGpu(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        boolean fromRegistry = !registryImages(overlay).isEmpty();
        for (FinetuneService s : FinetuneService.values()) {
            Container c = container(r, s);
            String composeImage = (String) ComposeFileTest.service(s.module).get("image");
            boolean gpuTrainer = r.components().contains("gpu") && s == FinetuneService.TRAINER;
            if (fromRegistry) {
                assertTrue(REGISTRY_IMAGE.matcher(c.getImage()).matches() && c.getImage().contains("/finetune/"
                        + s.module + "@"), overlay + " " + s.module + ": expected <registry host>/<path>/finetune/"
                        + s.module + "@sha256:<digest>, found " + c.getImage());
            } else {
                assertEquals(gpuTrainer ? composeImage + "-cuda" : composeImage, c.getImage(),
                        overlay + " " + s.module);
            }
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
    @MethodSource("overlays")
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

    /**
     * MinIO's peers are its replicas; its root credentials go to storage-init alone, which creates each service's
     * user from the same Secret that service reads.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void minioRootCredentialsGoToStorageInitOnlyWhichCreatesEachServicesUser(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        StatefulSet minio = r.one(StatefulSet.class, "minio");
        Container c = minio.getSpec().getTemplate().getSpec().getContainers().get(0);
        int replicas = minio.getSpec().getReplicas();
        String drives = c.getArgs().get(1);
        Matcher peers = MINIO_PEERS.matcher(drives);
        if (replicas == 1) {
            assertTrue(drives.startsWith("/"), overlay + ": one MinIO server expects a local drive, found " + drives);
        } else {
            assertTrue(peers.matches(), overlay + ": expected http://minio-{0...N}.<headless>.finetune.svc/..., found "
                    + drives);
            assertEquals(replicas - 1, Integer.parseInt(peers.group(1)), overlay + ": MinIO peers vs replicas");
            assertEquals(minio.getSpec().getServiceName(), peers.group(2), overlay + ": peers through the headless "
                    + "Service of the StatefulSet");
            assertTrue(replicas >= 4, overlay + ": expected at least 4 servers for erasure coding");
            assertTrue(r.one(Service.class, peers.group(2)).getSpec().getPublishNotReadyAddresses(),
                    overlay + ": peers must find each other before they are ready");
        }
        Map<String, EnvVar> env = new LinkedHashMap<>();
        c.getEnv().forEach(e -> env.put(e.getName(), e));
        Job init = r.one(Job.class, "storage-init");
        Container initContainer = init.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, EnvVar> initEnv = environment(r, initContainer);
        for (String root : List.of("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")) {
            assertEquals(env.get(root).getValueFrom().getSecretKeyRef(), initEnv.get(root).getValueFrom()
                    .getSecretKeyRef(), overlay + ": storage-init " + root + " vs MinIO's");
        }
        String initImage = (String) ComposeFileTest.service("storage-init").get("image");
        if (registryImages(overlay).isEmpty()) {
            assertEquals(initImage, initContainer.getImage(), overlay + ": storage-init image as in compose");
        } else {
            assertTrue(REGISTRY_IMAGE.matcher(initContainer.getImage()).matches()
                    && initContainer.getImage().contains("/finetune/storage-admin@"), overlay
                    + ": expected storage-admin pinned by digest, found " + initContainer.getImage());
        }
        for (FinetuneService s : FinetuneService.values()) {
            Map<String, EnvVar> serviceEnv = environment(r, container(r, s));
            s.storageUser().ifPresentOrElse(user -> {
                assertEquals(serviceEnv.get("FINETUNE_STORAGE_ACCESS_KEY").getValueFrom().getSecretKeyRef(),
                        initEnv.get(user.accessKeyVariable()).getValueFrom().getSecretKeyRef(),
                        overlay + ": storage-init " + user.accessKeyVariable() + " vs " + s.module + "'s");
                assertEquals(serviceEnv.get("FINETUNE_STORAGE_SECRET_KEY").getValueFrom().getSecretKeyRef(),
                        initEnv.get(user.secretKeyVariable()).getValueFrom().getSecretKeyRef(),
                        overlay + ": storage-init " + user.secretKeyVariable() + " vs " + s.module + "'s");
            }, () -> assertTrue(serviceEnv.keySet().stream().noneMatch(n -> n.startsWith("FINETUNE_STORAGE_")),
                    overlay + " " + s.module + ": expected no storage configuration, found " + serviceEnv.keySet()));
        }
        for (PodTemplateSpec pod : podTemplates(r).values()) {
            for (Container other : pod.getSpec().getContainers()) {
                if (other == c || other.getName().equals("storage-init")) {
                    continue;
                }
                boolean root = other.getEnv().stream().anyMatch(e -> e.getValueFrom() != null
                        && e.getValueFrom().getSecretKeyRef() != null
                        && e.getValueFrom().getSecretKeyRef().getName().equals("finetune-storage"));
                assertFalse(root, overlay + ": container " + other.getName() + " must not see MinIO's root Secret");
            }
        }
    }

    /** The Secret of a service's own MinIO user: {@code finetune-storage-<service>} (deploy/README.md). */
    static String storageSecret(FinetuneService s) {
        return "finetune-storage-" + s.module;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void serviceMonitorsScrapeEveryServiceLikePrometheusYml(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        Set<String> prometheusJobs = PrometheusConfigTest.scrapeTargets(PrometheusConfigTest.DIR
                .resolve("prometheus.yml")).keySet();
        Set<String> scraped = new TreeSet<>();
        for (GenericKubernetesResource sm : r.custom("ServiceMonitor")) {
            Map<String, Object> spec = Yamls.map(sm.getAdditionalProperties().get("spec"), "ServiceMonitor.spec");
            Map<String, Object> selector = Yamls.map(Yamls.map(spec.get("selector"), "selector").get("matchLabels"), "ml");
            String jobLabel = (String) spec.get("jobLabel");
            Set<Object> endpointPorts = new TreeSet<>();
            for (Object e : Yamls.list(spec.get("endpoints"), "endpoints")) {
                Map<String, Object> endpoint = Yamls.map(e, "endpoint");
                assertEquals("/prometheus", endpoint.get("path"));
                endpointPorts.add(endpoint.get("port"));
            }
            for (Service svc : r.all(Service.class)) {
                Map<String, String> labels = svc.getMetadata().getLabels();
                if (labels.entrySet().containsAll(selector.entrySet())) {
                    // exactly one: a second would scrape a port without /prometheus (the gateway's public one)
                    assertEquals(1, svc.getSpec().getPorts().stream().filter(p -> endpointPorts.contains(p.getName()))
                            .count(), "Service " + svc.getMetadata().getName() + ": expected exactly one port of "
                            + endpointPorts);
                    scraped.add(labels.get(jobLabel));
                }
            }
        }
        assertEquals(prometheusJobs, scraped, overlay + ": job names from the ServiceMonitors vs prometheus.yml");
    }

    /** The PrometheusRule is a copy of alerts.yml's groups (Kustomize cannot read it): it must not drift. */
    @ParameterizedTest
    @MethodSource("overlays")
    void prometheusRuleHoldsExactlyTheAlertRulesOfAlertsYml(String overlay) {
        List<GenericKubernetesResource> rules = RenderedOverlay.of(overlay).custom("PrometheusRule");
        assertEquals(1, rules.size());
        Object groups = Yamls.map(rules.get(0).getAdditionalProperties().get("spec"), "spec").get("groups");
        assertEquals(Yamls.snake(PrometheusConfigTest.DIR.resolve("alerts.yml")).get("groups"), groups,
                "k8s/base/prometheus-rules.yaml differs from deploy/observability/prometheus/alerts.yml: copy the groups");
        assertEquals("kube-prometheus-stack", rules.get(0).getMetadata().getLabels().get("release"));
    }

    @ParameterizedTest
    @MethodSource("overlays")
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

    /** Namespaces that enforce the "restricted" Pod Security Standard admit every pod (deploy/README.md labels it). */
    @ParameterizedTest
    @MethodSource("overlays")
    void everyPodMeetsTheRestrictedPodSecurityLevel(String overlay) {
        podTemplates(RenderedOverlay.of(overlay)).forEach((name, pod) -> {
            String where = overlay + " " + name + ": ";
            PodSpec spec = pod.getSpec();
            assertEquals(Boolean.FALSE, spec.getAutomountServiceAccountToken(), where + "expected no service-account "
                    + "token (nothing calls the Kubernetes API)");
            assertEquals(Boolean.TRUE, spec.getSecurityContext().getRunAsNonRoot(), where + "runAsNonRoot");
            assertEquals("RuntimeDefault", spec.getSecurityContext().getSeccompProfile().getType(), where + "seccomp");
            for (Container c : spec.getContainers()) {
                assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation(), where
                        + "allowPrivilegeEscalation");
                SecurityContext sc = c.getSecurityContext();
                assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), where + "capabilities");
                assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(),
                        where + "no added capabilities");
                assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), where + "read-only root");
            }
        });
    }

    /** A fixed count beside an autoscaler is reset to that count on every apply. */
    @ParameterizedTest
    @MethodSource("overlays")
    void noFixedReplicasWhereAnAutoscalerOwnsTheCount(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        for (HorizontalPodAutoscaler hpa : r.all(HorizontalPodAutoscaler.class)) {
            Deployment d = r.one(Deployment.class, hpa.getSpec().getScaleTargetRef().getName());
            assertEquals(null, d.getSpec().getReplicas(), overlay + ": Deployment " + d.getMetadata().getName()
                    + " is scaled by an HPA and must not set replicas");
        }
    }

    /** A rolling update needs room for a second trainer (a second GPU); Recreate cannot stall on it. */
    @ParameterizedTest
    @MethodSource("overlays")
    void theTrainerIsRecreatedNotRolled(String overlay) {
        Deployment trainer = RenderedOverlay.of(overlay).one(Deployment.class, FinetuneService.TRAINER.module);
        assertEquals("Recreate", trainer.getSpec().getStrategy().getType(), overlay + ": trainer update strategy");
    }

    /** The Ingress exposes the gateway and nothing else, over TLS with a certificate from cert-manager. */
    @ParameterizedTest
    @MethodSource("overlays")
    void onlyTheGatewayIsExposedAndOnlyOverTls(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        List<Ingress> ingresses = r.all(Ingress.class);
        assertEquals(r.components().contains("ingress") ? 1 : 0, ingresses.size(), overlay + ": Ingresses");
        for (Ingress ingress : ingresses) {
            Set<String> tlsHosts = new TreeSet<>();
            for (IngressTLS tls : ingress.getSpec().getTls()) {
                assertNotNull(tls.getSecretName(), overlay + ": expected the TLS Secret's name");
                tlsHosts.addAll(tls.getHosts());
            }
            assertNotNull(ingress.getMetadata().getAnnotations().get("cert-manager.io/cluster-issuer"),
                    overlay + ": expected the cert-manager annotation that issues the certificate");
            assertEquals(null, ingress.getSpec().getDefaultBackend(), overlay + ": no default backend");
            for (IngressRule rule : ingress.getSpec().getRules()) {
                assertTrue(tlsHosts.contains(rule.getHost()), overlay + ": host " + rule.getHost() + " without TLS");
                rule.getHttp().getPaths().forEach(path -> {
                    IngressBackend backend = path.getBackend();
                    assertEquals(FinetuneService.GATEWAY.module, backend.getService().getName(), overlay
                            + ": the Ingress may reach only the gateway");
                    Service gateway = r.one(Service.class, backend.getService().getName());
                    assertTrue(gateway.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals(backend
                            .getService().getPort().getName())), overlay + ": Ingress port vs the gateway Service");
                });
            }
        }
    }

    /** The optional GPU scheduling: GPU Feature Discovery's labels for a GPU the trainer image can run on. */
    @ParameterizedTest
    @MethodSource("overlays")
    void gpuSchedulingComponentsApplyToTheTrainerOnly(String overlay) {
        RenderedOverlay r = RenderedOverlay.of(overlay);
        podTemplates(r).forEach((name, pod) -> {
            boolean trainer = name.equals(FinetuneService.TRAINER.module);
            PodSpec spec = pod.getSpec();
            boolean selector = trainer && r.components().contains("gpu-node-selector");
            assertEquals(selector ? Map.of("nvidia.com/gpu.present", "true") : Map.of(), spec.getNodeSelector() == null
                    ? Map.of() : spec.getNodeSelector(), overlay + " " + name + ": node selector");
            assertEquals(selector, spec.getAffinity() != null && spec.getAffinity().getNodeAffinity() != null,
                    overlay + " " + name + ": node affinity on the GPU's compute capability");
            assertEquals(trainer && r.components().contains("gpu-runtime-class") ? "nvidia" : null,
                    spec.getRuntimeClassName(), overlay + " " + name + ": runtime class");
        });
    }

    /** Images of an overlay set by digest (kustomize edit set image writes such entries). */
    private static List<Object> registryImages(String overlay) {
        Object images = Yamls.snake(RenderedOverlay.OVERLAYS.resolve(overlay).resolve("kustomization.yaml"))
                .get("images");
        if (images == null) {
            return List.of();
        }
        return Yamls.list(images, overlay + " images").stream().filter(i -> Yamls.map(i, "image").containsKey("digest"))
                .toList();
    }

    /** The pod template of the one Deployment or StatefulSet whose pods a selector matches. */
    private static PodTemplateSpec matchingWorkloads(RenderedOverlay r, Map<String, String> selector, String what) {
        List<PodTemplateSpec> matches = podTemplates(r).values().stream().filter(pod -> pod.getMetadata().getLabels()
                .entrySet().containsAll(selector.entrySet())).toList();
        assertEquals(1, matches.size(), r.name + ": " + what + " selector " + selector + " should match exactly one "
                + "workload's pods, found " + matches.size());
        return matches.get(0);
    }

    /** Workload name -> pod template, for every Deployment, StatefulSet and Job. */
    private static Map<String, PodTemplateSpec> podTemplates(RenderedOverlay r) {
        Map<String, PodTemplateSpec> out = new LinkedHashMap<>();
        r.all(Deployment.class).forEach(d -> out.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
        r.all(StatefulSet.class).forEach(s -> out.put(s.getMetadata().getName(), s.getSpec().getTemplate()));
        r.all(Job.class).forEach(j -> out.put(j.getMetadata().getName(), j.getSpec().getTemplate()));
        return out;
    }

    /** The fewest pods a workload runs: its replicas, or its autoscaler's minimum when one owns the count. */
    private static int minimumReplicas(RenderedOverlay r, String workload) {
        for (HorizontalPodAutoscaler hpa : r.all(HorizontalPodAutoscaler.class)) {
            if (hpa.getSpec().getScaleTargetRef().getName().equals(workload)) {
                return hpa.getSpec().getMinReplicas();
            }
        }
        Integer replicas = r.all(Deployment.class).stream().filter(d -> d.getMetadata().getName().equals(workload))
                .map(d -> d.getSpec().getReplicas()).findFirst().orElseGet(() -> r.one(StatefulSet.class, workload)
                        .getSpec().getReplicas());
        return replicas == null ? 1 : replicas;
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

    /**
     * The container's environment, including the keys of the ConfigMaps it loads with envFrom; a value taken from a
     * ConfigMap key is resolved to that value.
     */
    private static Map<String, EnvVar> environment(RenderedOverlay r, Container c) {
        Map<String, EnvVar> env = new LinkedHashMap<>();
        c.getEnvFrom().forEach(from -> {
            ConfigMap cm = r.one(ConfigMap.class, from.getConfigMapRef().getName());
            cm.getData().forEach((k, v) -> env.put(k, new EnvVar(k, v, null)));
        });
        c.getEnv().forEach(e -> {
            if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
                ConfigMap cm = r.one(ConfigMap.class, e.getValueFrom().getConfigMapKeyRef().getName());
                String value = cm.getData().get(e.getValueFrom().getConfigMapKeyRef().getKey());
                assertNotNull(value, r.name + ": " + e.getName() + " names a key that ConfigMap " + cm.getMetadata()
                        .getName() + " lacks");
                env.put(e.getName(), new EnvVar(e.getName(), value, null));
            } else {
                env.put(e.getName(), e);
            }
        });
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
