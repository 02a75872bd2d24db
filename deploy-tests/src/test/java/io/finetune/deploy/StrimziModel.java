package io.finetune.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedMethod;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates Strimzi resources against the API of the pinned Strimzi version. Strimzi publishes no CRD files to a
 * package registry reachable here, only its API model ({@code io.strimzi:api} on Maven Central), from which its
 * crd-generator writes the CRDs. So the resources are bound strictly to those classes (unknown or misspelt fields,
 * wrong types and unknown enum or type values fail), properties that the resource's API version leaves out fail
 * (the {@code @PresentInVersions} annotations of the getters, read from the class files because Strimzi does not
 * publish that annotation type), and so do API versions that the released CRDs do not serve (the crd-generator
 * arguments in the artifact's pom).
 */
final class StrimziModel {
    private static final Map<String, Class<?>> KINDS = Map.of("Kafka", Kafka.class,
            "KafkaNodePool", KafkaNodePool.class, "KafkaTopic", KafkaTopic.class);
    private static final String API_POM = "META-INF/maven/io.strimzi/api/pom.xml";
    /** Strimzi's API versions, oldest first. */
    private static final List<String> VERSION_ORDER = List.of("v1alpha1", "v1beta1", "v1beta2", "v1");
    private static final String PRESENT_IN_VERSIONS = "Lio/strimzi/crdgenerator/annotations/PresentInVersions;";
    private static final Map<String, ObjectMapper> MAPPERS = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Map<String, String>> PRESENT_IN = new ConcurrentHashMap<>();

    private StrimziModel() {
    }

    /** The version of io.strimzi:api on the test classpath. */
    static String apiVersionOfTheModel() {
        Properties p = new Properties();
        try (InputStream in = resource("META-INF/maven/io.strimzi/api/pom.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    /** What is wrong with a Strimzi resource; empty when it fits the pinned Strimzi API. */
    static List<String> problems(JsonNode resource) {
        String kind = resource.path("kind").asText();
        String apiVersion = resource.path("apiVersion").asText();
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        Class<?> type = KINDS.get(kind);
        if (type == null || !apiVersion.startsWith("kafka.strimzi.io/")) {
            return List.of("expected a kafka.strimzi.io resource of kind " + KINDS.keySet() + ", found " + apiVersion
                    + " " + kind);
        }
        Set<String> served = servedVersions().getOrDefault(kind, Set.of());
        if (!served.contains(version)) {
            return List.of(kind + ": Strimzi " + apiVersionOfTheModel() + " serves " + served + ", not " + version);
        }
        try {
            ObjectMapper mapper = mapper(version);
            JsonNode kept = mapper.valueToTree(mapper.treeToValue(resource, type));
            List<String> lost = new ArrayList<>();
            ObjectNode withoutVersion = resource.deepCopy();
            withoutVersion.remove("apiVersion"); // the model writes its storage version; checked above
            lostValues(withoutVersion, kept, "", lost);
            return lost.stream().map(path -> kind + " " + version + ": the model does not keep " + path
                    + " (an unknown value of an enumeration or type?)").toList();
        } catch (JsonMappingException e) {
            return List.of(kind + " " + version + ": " + e.getOriginalMessage() + " at " + e.getPathReference());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return List.of(kind + ": " + e.getOriginalMessage());
        }
    }

    /**
     * Kind -> the API versions its released CRD serves, from the crd-generator executions of the api artifact's pom
     * that write packaging/install/cluster-operator (the others write test resources).
     */
    static Map<String, Set<String>> servedVersions() {
        String pom;
        try (InputStream in = resource(API_POM)) {
            pom = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Set<String>> out = new LinkedHashMap<>();
        Matcher execution = Pattern.compile("<execution>(.*?)</execution>", Pattern.DOTALL).matcher(pom);
        Pattern versions = Pattern.compile("<argument>--api-versions</argument>\\s*<argument>([^<]+)</argument>");
        Pattern crd = Pattern.compile("<argument>io\\.strimzi\\.api\\.kafka\\.model\\.[a-z0-9.]+\\.(\\w+)=[^<]*"
                + "packaging\\$\\{file\\.separator}install\\$\\{file\\.separator}cluster-operator[^<]*</argument>");
        while (execution.find()) {
            Matcher v = versions.matcher(execution.group(1));
            if (!v.find()) {
                continue;
            }
            Matcher c = crd.matcher(execution.group(1));
            while (c.find()) {
                out.put(c.group(1), new TreeSet<>(List.of(v.group(1).split(","))));
            }
        }
        if (!out.keySet().containsAll(KINDS.keySet())) {
            throw new AssertionError(API_POM + ": expected the CRD generation of " + KINDS.keySet() + ", found " + out);
        }
        return out;
    }

    /** A strict mapper that also rejects the properties an API version leaves out. */
    private static ObjectMapper mapper(String version) {
        return MAPPERS.computeIfAbsent(version, v -> {
            SimpleModule module = new SimpleModule();
            module.setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                                                             BeanDeserializerBuilder builder) {
                    for (BeanPropertyDefinition property : bean.findProperties()) {
                        AnnotatedMethod getter = property.getGetter();
                        SettableBeanProperty settable = builder.findProperty(property.getFullName());
                        if (getter == null || settable == null) {
                            continue;
                        }
                        Optional<String> range = presentInVersions(getter.getDeclaringClass(), getter.getName());
                        if (range.isPresent() && !inRange(v, range.get())) {
                            builder.addOrReplaceProperty(absentIn(settable, v, range.get()), true);
                        }
                    }
                    return builder;
                }
            });
            return new ObjectMapper()
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                        @Override
                        public Boolean hasAnySetter(Annotated a) {
                            return Boolean.FALSE;
                        }
                    })
                    .registerModule(module);
        });
    }

    private static SettableBeanProperty absentIn(SettableBeanProperty property, String version, String range) {
        return new SettableBeanProperty.Delegating(property) {
            @Override
            protected SettableBeanProperty withDelegate(SettableBeanProperty d) {
                return absentIn(d, version, range);
            }

            @Override
            public void deserializeAndSet(JsonParser p, DeserializationContext ctxt, Object instance)
                    throws IOException {
                throw JsonMappingException.from(p, "property '" + getName() + "' is not part of API version " + version
                        + " (present in " + range + ")");
            }

            @Override
            public Object deserializeSetAndReturn(JsonParser p, DeserializationContext ctxt, Object instance)
                    throws IOException {
                deserializeAndSet(p, ctxt, instance);
                return instance;
            }
        };
    }

    /** The @PresentInVersions value on a getter of a Strimzi class (or its superclasses), if any. */
    private static Optional<String> presentInVersions(Class<?> type, String getter) {
        for (Class<?> c = type; c != null && c.getName().startsWith("io.strimzi."); c = c.getSuperclass()) {
            String range = PRESENT_IN.computeIfAbsent(c, StrimziModel::readPresentInVersions).get(getter);
            if (range != null) {
                return Optional.of(range);
            }
        }
        return Optional.empty();
    }

    /** Method name -> @PresentInVersions value, read from the class file. */
    private static Map<String, String> readPresentInVersions(Class<?> type) {
        Map<String, String> out = new HashMap<>();
        try (InputStream in = resource(type.getName().replace('.', '/') + ".class")) {
            new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                                 String[] exceptions) {
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public AnnotationVisitor visitAnnotation(String annotation, boolean visible) {
                            if (!annotation.equals(PRESENT_IN_VERSIONS)) {
                                return null;
                            }
                            return new AnnotationVisitor(Opcodes.ASM9) {
                                @Override
                                public void visit(String attribute, Object value) {
                                    if (attribute.equals("value")) {
                                        out.put(name, (String) value);
                                    }
                                }
                            };
                        }
                    };
                }
            }, ClassReader.SKIP_CODE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class file of " + type, e);
        }
        return out;
    }

    /**
     * Paths of the input whose value the bound model does not write back. Strimzi reads an unknown enumeration value
     * (a listener type, a node role) as null instead of failing, so binding alone would accept it.
     */
    private static void lostValues(JsonNode input, JsonNode kept, String path, List<String> lost) {
        if (input.isObject()) {
            input.fields().forEachRemaining(e -> lostValues(e.getValue(), kept.path(e.getKey()),
                    path + "." + e.getKey(), lost));
        } else if (input.isArray()) {
            if (!kept.isArray() || kept.size() != input.size()) {
                lost.add(path + " = " + input);
                return;
            }
            for (int i = 0; i < input.size(); i++) {
                lostValues(input.get(i), kept.get(i), path + "[" + i + "]", lost);
            }
        } else if (kept.isMissingNode()) {
            // The model leaves out false and 0 (its defaults); a value it could not read is neither.
            if (!(input.isBoolean() && !input.booleanValue()) && !(input.isNumber() && input.doubleValue() == 0)) {
                lost.add(path + " = " + input);
            }
        } else if (!input.asText().equals(kept.asText()) || kept.isNull() != input.isNull()) {
            lost.add(path + " = " + input);
        }
    }

    /** Strimzi's version ranges: "v1beta2" (that one), "v1beta2+" (from it on), "v1alpha1-v1beta2" (between). */
    static boolean inRange(String version, String range) {
        int v = order(version, range);
        if (range.endsWith("+")) {
            return v >= order(range.substring(0, range.length() - 1), range);
        }
        int dash = range.indexOf('-');
        if (dash > 0) {
            return v >= order(range.substring(0, dash), range) && v <= order(range.substring(dash + 1), range);
        }
        return v == order(range, range);
    }

    private static int order(String version, String range) {
        int i = VERSION_ORDER.indexOf(version.trim());
        if (i < 0) {
            throw new AssertionError("expected a Strimzi API version of " + VERSION_ORDER + " in '" + range
                    + "', found " + version);
        }
        return i;
    }

    private static InputStream resource(String path) {
        InputStream in = StrimziModel.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new AssertionError("expected " + path + " on the test classpath (io.strimzi:api), found nothing");
        }
        return in;
    }

    /** Every problem of every Strimzi resource of a rendered overlay. */
    static List<String> problems(List<JsonNode> documents) {
        List<String> out = new ArrayList<>();
        for (JsonNode doc : documents) {
            if (doc.path("apiVersion").asText().startsWith("kafka.strimzi.io/")) {
                problems(doc).forEach(p -> out.add(doc.path("kind").asText() + " " + doc.path("metadata").path("name")
                        .asText() + ": " + p));
            }
        }
        return out;
    }
}
