package io.finetune.inference;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InferenceConfigurationTest {
    private static InferenceConfiguration config(List<String> models) {
        return new InferenceConfiguration(models, Duration.ofSeconds(60), Duration.ofSeconds(30), true, 100, 1000,
                1000, 32, null, false, 8, Duration.ofMillis(5), 2);
    }

    @Test
    void modelsAreNameForLatestOrNameColonVersion() {
        List<ModelSelection> s = config(List.of("flowers", "cats:latest", "dogs:7")).selections();
        assertEquals(List.of(new ModelSelection("flowers", "latest"), new ModelSelection("cats", "latest"),
                new ModelSelection("dogs", "7")), s);
        assertTrue(s.get(0).followsLatest());
        assertFalse(s.get(2).followsLatest());
    }

    @Test
    void badEntriesFailNamingTheEntry() {
        var e = assertThrows(IllegalArgumentException.class, () -> config(List.of("dogs:seven")));
        assertTrue(e.getMessage().contains("found 'seven'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config(List.of("Bad Name")));
        assertTrue(e.getMessage().contains("'Bad Name'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config(List.of("dogs:0")));
        assertTrue(e.getMessage().contains("found '0'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config(List.of("dogs", "dogs:3")));
        assertTrue(e.getMessage().contains("each model once"), e.getMessage());
    }

    @Test
    void versionsCompareAsNumbers() {
        assertTrue(ModelVersions.isNewer("10", "9"));
        assertFalse(ModelVersions.isNewer("9", "10"));
        assertFalse(ModelVersions.isNewer("3", "3"));
        assertTrue(ModelVersions.isNewer("1", null));
    }
}
