package io.finetune.inference;

import com.fasterxml.jackson.databind.JsonNode;
import io.finetune.storage.StorageUser;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.finetune.testkit.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The desired serving state in storage, with the service as real processes on the real Kafka and MinIO: a replica
 * killed and started again serves the same models and versions before it reports ready; a replica started later
 * serves them too; stopping a model through the API unloads it on both replicas (its versions closed); a desired
 * version that fails its checks stays refused while the previous version keeps serving, and the divergence shows
 * in {@code GET /models} and in the metric the alert reads.
 */
@ExtendWith(InfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServingStateIT {
    private static final String FOLLOWED = "serving-followed";
    private static final String PINNED = "serving-pinned";
    private static final String REFUSED = "serving-refused";
    private static final String UNANNOUNCED = "serving-unannounced";
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration SETTLE = Duration.ofSeconds(120);

    private final int portA = FreePorts.next();
    private final int portB = FreePorts.next();
    private final ServiceClient a = new ServiceClient(portA);
    private final ServiceClient b = new ServiceClient(portB);
    private final byte[] image = TinyImages.samplePng(1, 3, 32, 7);
    private final List<ServerProcess> processes = new ArrayList<>();
    private Path trained;

    @BeforeAll
    void publishAndStartTheFirstReplica(Infra infra) throws Exception {
        trained = TestModels.trainedPackage(41);
        processes.add(start(infra, "serving-a", portA));
        TestModels.publish(infra, TestModels.renamed(trained, FOLLOWED, "1"), FOLLOWED, "1");
        TestModels.publish(infra, TestModels.renamed(trained, FOLLOWED, "2"), FOLLOWED, "2");
        TestModels.upload(infra, TestModels.renamed(trained, PINNED, "1"), PINNED, "1");
        TestModels.upload(infra, TestModels.renamed(trained, PINNED, "2"), PINNED, "2");
    }

    @AfterAll
    void stopEverything() throws Exception {
        for (String model : List.of(FOLLOWED, PINNED, REFUSED, UNANNOUNCED)) {
            a.delete("/models/" + model + "/serving"); // later test classes share the bucket
        }
        processes.forEach(ServerProcess::stop);
    }

    @Test
    @Order(1)
    void aRestartedReplicaServesTheSameModelsAndVersionsBeforeItReportsReady(Infra infra) throws Exception {
        ServiceClient.Response pin = a.putJson("/models/" + PINNED + "/serving", "{\"version\": \"1\"}");
        assertEquals(200, pin.status(), pin.body());
        assertEquals("1", pin.json().get("version").asText());
        await("the followed model at its latest version, the pinned one at version 1").atMost(SETTLE)
                .until(() -> active(a, FOLLOWED).equals("2") && active(a, PINNED).equals("1"));

        processes.remove(0).kill();
        ServerProcess restarted = ServiceLauncher.startAnswering("serving-a-restarted", portA, environment(infra,
                "serving-a"), RepositoryLayout.scratch("serving-a-restarted"), START);
        processes.add(0, restarted);
        await("ready again").atMost(START).pollInterval(Duration.ofMillis(50))
                .until(() -> a.get("/health").status() == 200);
        // right after readiness, without waiting for anything else
        ServiceClient.Response followed = a.postRaw("/predict/" + FOLLOWED, "image/png", image);
        ServiceClient.Response pinned = a.postRaw("/predict/" + PINNED, "image/png", image);
        assertEquals(200, followed.status(), followed.body());
        assertEquals(200, pinned.status(), pinned.body());
        assertEquals("2", followed.json().get("version").asText());
        assertEquals("1", pinned.json().get("version").asText());
        JsonNode status = a.get("/models/" + PINNED).json();
        assertEquals("1", status.get("requested").asText(), status.toString());
        assertEquals("api", status.get("desiredBy").asText(), status.toString());
        assertEquals("follow-new-models", a.get("/models/" + FOLLOWED).json().get("desiredBy").asText());
    }

    @Test
    @Order(2)
    void aReplicaStartedLaterServesThemTooAndStoppingAModelUnloadsItOnBoth(Infra infra) throws Exception {
        ServerProcess second = ServiceLauncher.startReady("serving-b", portB, environment(infra, "serving-b"),
                RepositoryLayout.scratch("serving-b"), START);
        processes.add(second);
        assertEquals("2", b.postRaw("/predict/" + FOLLOWED, "image/png", image).json().get("version").asText());
        assertEquals("1", b.postRaw("/predict/" + PINNED, "image/png", image).json().get("version").asText());
        await("each replica shows both replicas' reports").atMost(SETTLE).until(() ->
                replicas(a, PINNED).size() == 2 && replicas(b, PINNED).size() == 2);
        for (JsonNode replica : replicas(a, PINNED)) {
            assertEquals("1", replica.get("activeVersion").asText(), replica.toString());
            assertTrue(replica.get("inSync").asBoolean(), replica.toString());
        }

        ServiceClient.Response stop = a.delete("/models/" + FOLLOWED + "/serving");
        assertEquals(200, stop.status(), stop.body());
        assertEquals(false, stop.json().get("serve").asBoolean());
        await("both replicas unload it").atMost(SETTLE).until(() ->
                a.get("/models/" + FOLLOWED).status() == 404 && b.get("/models/" + FOLLOWED).status() == 404);
        assertEquals(404, a.postRaw("/predict/" + FOLLOWED, "image/png", image).status());
        assertEquals(404, b.postRaw("/predict/" + FOLLOWED, "image/png", image).status());
        for (ServerProcess p : List.of(processes.get(0), second)) {
            await("the version's classifier and files are closed on " + p.log()).atMost(SETTLE).until(() ->
                    Files.readString(p.log()).contains("closed model " + FOLLOWED + " version 2"));
        }
        assertEquals(200, a.postRaw("/predict/" + PINNED, "image/png", image).status(), "the other model serves on");
    }

    @Test
    @Order(3)
    void aDesiredVersionThatFailsItsChecksStaysRefusedAndThePreviousVersionKeepsServing(Infra infra)
            throws Exception {
        TestModels.publish(infra, TestModels.renamed(trained, REFUSED, "1"), REFUSED, "1");
        await("followed on both").atMost(SETTLE).until(() -> active(a, REFUSED).equals("1")
                && active(b, REFUSED).equals("1"));
        assertEquals(200, a.putJson("/models/" + REFUSED + "/serving", "{\"version\": \"1\"}").status());
        Path wrongClasses = TestModels.renamed(trained, REFUSED, "2",
                x -> TestModels.withClasses(x, REFUSED, "2", TinyImages.classes(4)));
        TestModels.upload(infra, wrongClasses, REFUSED, "2");

        ServiceClient.Response pin = b.putJson("/models/" + REFUSED + "/serving", "{\"version\": \"2\"}");
        assertEquals(200, pin.status(), pin.body());
        for (ServiceClient client : List.of(a, b)) {
            await("version 2 refused").atMost(SETTLE).until(() ->
                    client.get("/models/" + REFUSED).json().path("refused").has("2"));
            JsonNode status = client.get("/models/" + REFUSED).json();
            assertEquals("2", status.get("requested").asText(), status.toString());
            assertEquals("1", status.get("activeVersion").asText(), status.toString());
            assertTrue(status.at("/refused/2").asText().contains("version 2"), "refused with its reason: " + status);
            ServiceClient.Response answer = client.postRaw("/predict/" + REFUSED, "image/png", image);
            assertEquals(200, answer.status(), answer.body());
            assertEquals("1", answer.json().get("version").asText());
        }
        await("diverged for longer than the tolerance, in the metric the alert reads").atMost(SETTLE).until(() ->
                a.get("/prometheus").body().contains("finetune_inference_serving_diverged{model=\"" + REFUSED
                        + "\"} 1.0"));
        await("each replica reports it out of sync").atMost(SETTLE).until(() -> replicas(a, REFUSED).size() == 2
                && replicas(a, REFUSED).findValues("inSync").stream().noneMatch(JsonNode::asBoolean));
        String refusals = Files.readString(processes.get(0).log());
        assertEquals(1, refusals.split("refused " + REFUSED + " version 2", -1).length - 1,
                "refused once, not retried at every pointer check:\n" + refusals);
        assertTrue(a.get("/prometheus").body().contains("finetune_inference_serving_diverged{model=\"" + PINNED
                + "\"} 0.0"), "a model in sync is not flagged");
    }

    @Test
    @Order(4)
    void beyondTheCapTheLeastRecentlyUsedModelIsUnloadedAndLoadedAgainWhenAsked(Infra infra) throws Exception {
        String x = "serving-cap-x";
        String y = "serving-cap-y";
        TestModels.upload(infra, TestModels.renamed(trained, x, "1"), x, "1");
        TestModels.upload(infra, TestModels.renamed(trained, y, "1"), y, "1");
        int port = FreePorts.next();
        ServiceClient c = new ServiceClient(port);
        Map<String, String> env = environment(infra, "serving-c");
        env.put("FINETUNE_INFERENCE_SERVING_MAX_MODELS", "1");
        ServerProcess capped = ServiceLauncher.startReady("serving-c", port, env, RepositoryLayout.scratch("serving-c"),
                START);
        processes.add(capped);
        try {
            assertEquals(200, c.putJson("/models/" + x + "/serving", "{}").status());
            assertEquals(200, c.putJson("/models/" + y + "/serving", "{}").status());
            await(x + " answers (loaded again if the cap had unloaded it)").atMost(SETTLE)
                    .until(() -> c.postRaw("/predict/" + x, "image/png", image).status() == 200);
            ServiceClient.Response first = c.postRaw("/predict/" + y, "image/png", image);
            if (first.status() != 200) {
                assertEquals(503, first.status(), first.body());
                assertTrue(first.body().contains("max-models"), first.body());
            }
            await(y + " answers").atMost(SETTLE).until(() -> c.postRaw("/predict/" + y, "image/png", image)
                    .status() == 200);
            await(x + " unloaded: the least recently used beyond the cap of 1").atMost(SETTLE).until(() ->
                    "UNLOADED".equals(c.get("/models/" + x).json().get("state").asText()));
            await("its version closed").atMost(SETTLE).until(() -> Files.readString(capped.log())
                    .contains("closed model " + x + " version 1"));
            ServiceClient.Response again = c.postRaw("/predict/" + x, "image/png", image);
            assertEquals(503, again.status(), "the first request for an unloaded model starts its load: "
                    + again.body());
            assertTrue(again.body().contains("finetune.inference.serving.max-models"), again.body());
            await(x + " loaded again").atMost(SETTLE).until(() -> c.postRaw("/predict/" + x, "image/png", image)
                    .status() == 200);
            await(y + " unloaded in turn").atMost(SETTLE).until(() ->
                    "UNLOADED".equals(c.get("/models/" + y).json().get("state").asText()));
            long loaded = 0;
            for (JsonNode m : c.get("/models").json()) {
                loaded += !m.get("configured").asBoolean() && "ACTIVE".equals(m.get("state").asText()) ? 1 : 0;
            }
            assertEquals(1, loaded, "at most max-models models from the serving state loaded: " + c.get("/models")
                    .body());
        } finally {
            c.delete("/models/" + x + "/serving");
            c.delete("/models/" + y + "/serving");
        }
    }

    @Test
    @Order(5)
    void aModelInTheRegistryWhoseEventNoReplicaHeardIsFollowedAtTheNextReconciliation(Infra infra)
            throws Exception {
        // written to MinIO with no ModelPublished: as if published before the upgrade, or while no replica ran
        TestModels.upload(infra, TestModels.renamed(trained, UNANNOUNCED, "1"), UNANNOUNCED, "1");
        await("both replicas serve it at their next pointer check").atMost(SETTLE).until(() ->
                active(a, UNANNOUNCED).equals("1") && active(b, UNANNOUNCED).equals("1"));
        assertEquals("follow-new-models", a.get("/models/" + UNANNOUNCED).json().get("desiredBy").asText());
        assertEquals(200, b.postRaw("/predict/" + UNANNOUNCED, "image/png", image).status());

        ServiceClient.Response stop = a.delete("/models/" + UNANNOUNCED + "/serving");
        assertEquals(200, stop.status(), stop.body());
        await("stopped on both").atMost(SETTLE).until(() -> a.get("/models/" + UNANNOUNCED).status() == 404
                && b.get("/models/" + UNANNOUNCED).status() == 404);
        TestModels.upload(infra, TestModels.renamed(trained, UNANNOUNCED, "2"), UNANNOUNCED, "2");
        double checksBefore = reconciliations(a);
        await("two more reconciliations on the first replica").atMost(SETTLE).until(() ->
                reconciliations(a) >= checksBefore + 2);
        assertEquals(404, a.get("/models/" + UNANNOUNCED).status(),
                "a stopped model keeps its state: the backstop only gives a state to a model that has none");
    }

    /** The replica's count of successful reconciliations with the serving state, from its metrics. */
    private static double reconciliations(ServiceClient client) throws Exception {
        return client.get("/prometheus").body().lines()
                .filter(l -> l.startsWith("finetune_inference_serving_reconciliations_total{outcome=\"ok\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String active(ServiceClient client, String model) throws Exception {
        ServiceClient.Response r = client.get("/models/" + model);
        return r.status() == 200 ? r.json().path("activeVersion").asText("") : "";
    }

    private static JsonNode replicas(ServiceClient client, String model) throws Exception {
        return client.get("/models/" + model).json().get("replicas");
    }

    private static ServerProcess start(Infra infra, String replica, int port) {
        return ServiceLauncher.startReady(replica, port, environment(infra, replica), RepositoryLayout.scratch(replica),
                START);
    }

    private static Map<String, String> environment(Infra infra, String replica) {
        Map<String, String> env = new LinkedHashMap<>(infra.serviceEnvironment(StorageUser.INFERENCE_SERVICE));
        env.put("FINETUNE_INFERENCE_STARTUP_WAIT", "10m"); // readiness must come from the loaded models
        env.put("FINETUNE_INFERENCE_POINTER_CHECK_INTERVAL", "2s");
        env.put("FINETUNE_INFERENCE_SERVING_REPLICA_ID", replica);
        env.put("FINETUNE_INFERENCE_SERVING_DIVERGENCE_TOLERANCE", "3s");
        env.put("FINETUNE_INFERENCE_WORK_DIR", RepositoryLayout.scratch(replica + "-work").toString());
        return env;
    }
}
