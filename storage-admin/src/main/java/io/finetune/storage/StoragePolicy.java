package io.finetune.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a user's rights as an IAM policy over one bucket: the bucket's region (the SDK asks for it), listing only
 * under the prefixes it may read ({@code s3:prefix} condition), and per prefix exactly the object actions of its
 * rights. Anything not allowed here is denied by MinIO.
 */
final class StoragePolicy {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StoragePolicy() {
    }

    static String of(String bucket, List<StorageAccess> access) {
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{2,62}")) {
            throw new IllegalArgumentException("expected an S3 bucket name (3-63 of a-z, 0-9, '.', '-'), found '"
                    + bucket + "'");
        }
        String bucketArn = "arn:aws:s3:::" + bucket;
        List<Map<String, Object>> statements = new ArrayList<>();
        statements.add(statement(List.of("s3:GetBucketLocation"), bucketArn, null));
        List<String> listable = access.stream().filter(a -> a.allows(StorageAccess.Right.READ))
                .map(a -> a.prefix() + "*").toList();
        if (!listable.isEmpty()) {
            statements.add(statement(List.of("s3:ListBucket"), bucketArn,
                    Map.of("StringLike", Map.of("s3:prefix", listable))));
        }
        for (StorageAccess a : access) {
            List<String> actions = a.rights().stream().flatMap(r -> r.actions().stream()).toList();
            statements.add(statement(actions, bucketArn + "/" + a.prefix() + "*", null));
        }
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("Version", "2012-10-17");
        policy.put("Statement", statements);
        try {
            return JSON.writeValueAsString(policy) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the policy for bucket " + bucket, e);
        }
    }

    private static Map<String, Object> statement(List<String> actions, String resource, Map<String, Object> condition) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Effect", "Allow");
        s.put("Action", actions);
        s.put("Resource", List.of(resource));
        if (condition != null) {
            s.put("Condition", condition);
        }
        return s;
    }
}
