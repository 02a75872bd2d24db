package io.finetune.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * JSON for every contract: decode checks syntax, types, the schema version and the contract's rules, and names
 * the offending field in its error. Unknown fields are ignored so that newer producers do not break older
 * consumers; an unknown {@code schemaVersion} is rejected.
 */
public final class ContractCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .build();

    private ContractCodec() {
    }

    /** A mapper configured like the codec's, for callers that need streaming (for example JSON lines). */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    public static byte[] encode(Object message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    public static String encodeToString(Object message) {
        return new String(encode(message), StandardCharsets.UTF_8);
    }

    public static <T> T decode(String json, Class<T> type) {
        return decode(json == null ? null : json.getBytes(StandardCharsets.UTF_8), type);
    }

    /** Decodes and validates; throws {@link ContractViolationException} naming each offending field. */
    public static <T> T decode(byte[] json, Class<T> type) {
        String typeName = type.getSimpleName();
        if (json == null || json.length == 0) {
            throw new ContractViolationException(typeName, List.of(new FieldError("$", "expected a JSON object, "
                    + "found an empty message")));
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new ContractViolationException(typeName, List.of(new FieldError("$", "expected valid JSON, found "
                    + "a syntax error: " + firstLine(e))));
        }
        if (tree == null || !tree.isObject()) {
            throw new ContractViolationException(typeName, List.of(new FieldError("$", "expected a JSON object, "
                    + "found " + (tree == null ? "nothing" : tree.getNodeType().name().toLowerCase()))));
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null || !version.isInt()) {
            throw new ContractViolationException(typeName, List.of(new FieldError("schemaVersion",
                    "expected an integer schema version, found " + (version == null ? "nothing" : version))));
        }
        int expected = expectedSchemaVersion(type);
        if (expected > 0 && version.intValue() != expected) {
            throw new ContractViolationException(typeName, List.of(new FieldError("schemaVersion",
                    "unknown schema version: expected " + expected + ", found " + version.intValue())));
        }
        T value;
        try {
            value = MAPPER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw new ContractViolationException(typeName, List.of(new FieldError(path(e), firstLine(e))));
        } catch (JsonProcessingException e) {
            throw new ContractViolationException(typeName, List.of(new FieldError("$", firstLine(e))));
        }
        List<FieldError> errors = ContractValidator.validate(value);
        if (!errors.isEmpty()) {
            throw new ContractViolationException(typeName, errors);
        }
        return value;
    }

    /** Reads a document without contract validation (for tolerant tools); still reports the failing field. */
    public static <T> T read(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonMappingException e) {
            throw new ContractViolationException(type.getSimpleName(), List.of(new FieldError(path(e), firstLine(e))));
        } catch (IOException e) {
            throw new ContractViolationException(type.getSimpleName(), List.of(new FieldError("$", firstLine(e))));
        }
    }

    private static int expectedSchemaVersion(Class<?> type) {
        try {
            return type.getField("SCHEMA_VERSION").getInt(null);
        } catch (ReflectiveOperationException e) {
            return -1;
        }
    }

    private static String path(JsonMappingException e) {
        String p = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
        return p.isEmpty() ? "$" : p.replace(".[", "[");
    }

    private static String firstLine(Exception e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
