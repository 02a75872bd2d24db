package io.finetune.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageUserTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theInferencePolicyReadsModelsAndWritesOnlyServingDocuments() throws IOException {
        JsonNode policy = JSON.readTree(StorageUser.INFERENCE_SERVICE.policyJson("finetune"));
        assertEquals("2012-10-17", policy.path("Version").asText());
        Map<String, Set<String>> objectActions = objectActions(policy);
        assertEquals(Map.of(
                "arn:aws:s3:::finetune/models/*", Set.of("s3:GetObject"),
                "arn:aws:s3:::finetune/serving/models/*", Set.of("s3:GetObject", "s3:PutObject",
                        "s3:AbortMultipartUpload"),
                "arn:aws:s3:::finetune/serving/replicas/*", Set.of("s3:GetObject", "s3:PutObject",
                        "s3:AbortMultipartUpload", "s3:DeleteObject")), objectActions);
        JsonNode list = statement(policy, "s3:ListBucket");
        assertEquals("arn:aws:s3:::finetune", list.path("Resource").get(0).asText());
        assertEquals(List.of("models/*", "serving/models/*", "serving/replicas/*"),
                JSON.convertValue(list.path("Condition").path("StringLike").path("s3:prefix"), List.class));
    }

    @Test
    void aPrefixWrittenButNeverReadIsNotListable() throws IOException {
        JsonNode policy = JSON.readTree(StorageUser.TRAINER_SERVICE.policyJson("finetune"));
        assertEquals(List.of("datasets/*", "models/*", "jobs/*", "queues/*"),
                JSON.convertValue(statement(policy, "s3:ListBucket").path("Condition").path("StringLike")
                        .path("s3:prefix"), List.class), "serving/models/ is written by the trainer, never read");
        assertEquals(Set.of("s3:PutObject", "s3:AbortMultipartUpload"),
                objectActions(policy).get("arn:aws:s3:::finetune/serving/models/*"));
    }

    @Test
    void nobodyMayDeleteAModelOrTouchAnotherBucket() throws IOException {
        for (StorageUser user : StorageUser.values()) {
            JsonNode policy = JSON.readTree(user.policyJson("finetune"));
            Set<String> models = objectActions(policy).getOrDefault("arn:aws:s3:::finetune/models/*", Set.of());
            assertFalse(models.contains("s3:DeleteObject"), user + " may not delete models");
            for (JsonNode s : policy.path("Statement")) {
                assertEquals("Allow", s.path("Effect").asText());
                for (JsonNode resource : s.path("Resource")) {
                    assertTrue(resource.asText().equals("arn:aws:s3:::finetune")
                            || resource.asText().startsWith("arn:aws:s3:::finetune/"), user + ": " + resource);
                    assertFalse(resource.asText().equals("arn:aws:s3:::finetune/*"), user + ": the whole bucket");
                }
            }
        }
    }

    @Test
    void usersAndTheirVariablesAreDistinct() {
        assertEquals(List.of("DATASET_STORAGE_ACCESS_KEY", "TRAINER_STORAGE_ACCESS_KEY",
                "INFERENCE_STORAGE_ACCESS_KEY"), java.util.Arrays.stream(StorageUser.values())
                .map(StorageUser::accessKeyVariable).toList());
        assertEquals(List.of("finetune-dataset-service", "finetune-trainer-service", "finetune-inference-service"),
                java.util.Arrays.stream(StorageUser.values()).map(StorageUser::userName).toList());
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException secret = assertThrows(IllegalArgumentException.class,
                () -> new StorageCredentials("finetune-inference-service", "short"));
        assertEquals("expected a secret key of 8 to 40 characters for finetune-inference-service, found 5 characters",
                secret.getMessage());
        IllegalArgumentException bucket = assertThrows(IllegalArgumentException.class,
                () -> StorageUser.DATASET_SERVICE.policyJson("Bad_Bucket"));
        assertEquals("expected an S3 bucket name (3-63 of a-z, 0-9, '.', '-'), found 'Bad_Bucket'", bucket.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ProvisionStorage.usersFrom(Map.of("DATASET_STORAGE_ACCESS_KEY", "finetune-dataset-service")));
        assertEquals("expected the environment variable DATASET_STORAGE_SECRET_KEY, found none", missing.getMessage());
        assertFalse(new StorageCredentials("user", "a-secret-value").toString().contains("a-secret-value"));
    }

    /** README.md's table in "Security" is this enum, row for row. */
    @Test
    void theReadmeTableListsExactlyThesePolicies() throws IOException {
        List<String> expected = new ArrayList<>();
        for (StorageUser user : StorageUser.values()) {
            for (StorageAccess a : user.access()) {
                String rights = a.rights().stream().map(r -> r.name().toLowerCase(java.util.Locale.ROOT))
                        .collect(Collectors.joining(", "));
                List<String> actions = new ArrayList<>();
                for (StorageAccess.Right r : a.rights()) {
                    actions.addAll(r.actions());
                    if (r == StorageAccess.Right.READ) {
                        actions.add("s3:ListBucket");
                    }
                }
                expected.add("| " + user.service() + " | " + rights + " | " + String.join(", ", actions) + " | `"
                        + a.prefix() + "` |");
            }
        }
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int header = readme.indexOf("| service (MinIO user `finetune-<service>`) | may | S3 actions | on |");
        assertTrue(header >= 0, "expected the storage policy table in README.md, found none");
        List<String> rows = new ArrayList<>();
        for (int i = header + 2; i < readme.size() && readme.get(i).startsWith("|"); i++) {
            rows.add(readme.get(i));
        }
        assertEquals(expected, rows, "README.md's storage policy table vs StorageUser");
    }

    private static JsonNode statement(JsonNode policy, String action) {
        for (JsonNode s : policy.path("Statement")) {
            for (JsonNode a : s.path("Action")) {
                if (a.asText().equals(action)) {
                    return s;
                }
            }
        }
        throw new AssertionError("expected a statement with " + action + ", found " + policy);
    }

    /** Object ARN -> the actions allowed on it. */
    private static Map<String, Set<String>> objectActions(JsonNode policy) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (JsonNode s : policy.path("Statement")) {
            for (JsonNode resource : s.path("Resource")) {
                if (resource.asText().contains("/")) {
                    Set<String> actions = out.computeIfAbsent(resource.asText(), k -> new TreeSet<>());
                    s.path("Action").forEach(a -> actions.add(a.asText()));
                }
            }
        }
        return out;
    }
}
