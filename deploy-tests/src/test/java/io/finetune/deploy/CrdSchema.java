package io.finetune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schemas of one CustomResourceDefinition, applied the way the API server applies them with strict field
 * validation: every served version's openAPIV3Schema, with unknown fields rejected wherever the schema does not say
 * x-kubernetes-preserve-unknown-fields, int-or-string and nullable fields as Kubernetes reads them.
 */
final class CrdSchema {
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);

    final String group;
    final String kind;
    private final Map<String, JsonSchema> servedVersions;
    private final Path source;

    private CrdSchema(String group, String kind, Map<String, JsonSchema> servedVersions, Path source) {
        this.group = group;
        this.kind = kind;
        this.servedVersions = servedVersions;
        this.source = source;
    }

    static CrdSchema load(Path crdFile) {
        String yaml;
        try {
            yaml = Files.readString(crdFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + crdFile, e);
        }
        JsonNode crd = Yamls.documents(yaml).get(0);
        if (!"CustomResourceDefinition".equals(crd.path("kind").asText())) {
            throw new AssertionError(crdFile + ": expected a CustomResourceDefinition, found " + crd.path("kind"));
        }
        JsonNode spec = crd.path("spec");
        Map<String, JsonSchema> served = new LinkedHashMap<>();
        for (JsonNode version : spec.path("versions")) {
            if (version.path("served").asBoolean(false)) {
                JsonNode schema = version.path("schema").path("openAPIV3Schema");
                if (schema.isMissingNode()) {
                    throw new AssertionError(crdFile + ": version " + version.path("name") + " has no schema");
                }
                served.put(version.path("name").asText(), FACTORY.getSchema(strict(schema.deepCopy(), true)));
            }
        }
        return new CrdSchema(spec.path("group").asText(), spec.path("names").path("kind").asText(), served, crdFile);
    }

    /** What is wrong with a resource of this kind; empty when the API server would accept it. */
    List<String> problems(JsonNode resource) {
        String apiVersion = resource.path("apiVersion").asText();
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        List<String> out = new ArrayList<>();
        if (!apiVersion.equals(group + "/" + version) || !resource.path("kind").asText().equals(kind)) {
            out.add("expected " + group + "/<version> " + kind + ", found " + apiVersion + " "
                    + resource.path("kind").asText());
            return out;
        }
        JsonSchema schema = servedVersions.get(version);
        if (schema == null) {
            out.add("version " + version + " is not served by " + source.getFileName() + " (served: "
                    + servedVersions.keySet() + ")");
            return out;
        }
        for (ValidationMessage m : schema.validate(resource)) {
            out.add(m.getMessage());
        }
        return out;
    }

    /**
     * OpenAPI v3 as the API server reads it, turned into plain JSON Schema with unknown fields rejected. Sub-schemas of
     * allOf/anyOf/oneOf/not only add value checks in a structural schema (their properties are declared in the main
     * schema too), so only the main schemas are closed against unknown fields.
     */
    static JsonNode strict(JsonNode node, boolean closeObjects) {
        if (!(node instanceof ObjectNode schema)) {
            return node;
        }
        boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            schema.remove("type");
            if (!schema.has("anyOf")) {
                ArrayNode anyOf = schema.putArray("anyOf");
                anyOf.addObject().put("type", "integer");
                anyOf.addObject().put("type", "string");
            }
        }
        if (schema.path("nullable").asBoolean(false) && schema.path("type").isTextual()) {
            ArrayNode types = Yamls.JSON.createArrayNode().add(schema.path("type").asText()).add("null");
            schema.set("type", types);
        }
        for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (name.startsWith("x-kubernetes-") || name.equals("nullable")) {
                names.remove();
            }
        }
        if (schema.has("properties")) {
            schema.path("properties").fields().forEachRemaining(e -> strict(e.getValue(), closeObjects));
            if (closeObjects && !preserveUnknown && !schema.has("additionalProperties")) {
                schema.put("additionalProperties", false);
            }
        }
        if (schema.path("additionalProperties").isObject()) {
            strict(schema.path("additionalProperties"), closeObjects);
        }
        strict(schema.path("items"), closeObjects);
        for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
            schema.path(combinator).forEach(s -> strict(s, false));
        }
        strict(schema.path("not"), false);
        return schema;
    }
}
