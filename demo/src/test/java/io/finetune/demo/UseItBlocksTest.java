package io.finetune.demo;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UseItBlocksTest {
    @Test
    void onlyBlocksMarkedUseItAreTakenInOrderWithoutTheirFences() {
        String md = """
                # title
                ```bash use-it
                A=1
                ```
                ```bash
                not this
                ```
                text
                ```bash use-it
                echo $A
                  indented
                ```
                """;
        assertEquals(List.of("A=1\n", "echo $A\n  indented\n"), UseItBlocks.extract(md));
    }

    @Test
    void anUnclosedBlockIsAnErrorNamingItsLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UseItBlocks.extract("x\n```bash use-it\necho\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
