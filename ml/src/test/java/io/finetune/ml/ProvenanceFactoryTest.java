package io.finetune.ml;

import io.finetune.contracts.Provenance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvenanceFactoryTest {

    @Test
    void theDl4jVersionIsTheOneOnTheClasspath() {
        String jar = Nd4j.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        assertTrue(jar.contains(ProvenanceFactory.DL4J_VERSION), "expected ND4J from " + ProvenanceFactory.DL4J_VERSION
                + ", found it in " + jar);
        Provenance p = ProvenanceFactory.current();
        assertEquals(ProvenanceFactory.DL4J_VERSION, p.libraries().get("deeplearning4j"));
    }
}
