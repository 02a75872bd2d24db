package io.finetune.demo;

import java.util.ArrayList;
import java.util.List;

/** The fenced blocks of a markdown document marked {@code ```bash use-it}, in order, without their fences. */
final class UseItBlocks {
    static final String OPENING = "```bash use-it";

    private UseItBlocks() {
    }

    static List<String> extract(String markdown) {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        int line = 0;
        int openedAt = 0;
        for (String text : markdown.split("\n", -1)) {
            line++;
            if (current == null) {
                if (text.strip().equals(OPENING)) {
                    current = new StringBuilder();
                    openedAt = line;
                }
            } else if (text.strip().equals("```")) {
                blocks.add(current.toString());
                current = null;
            } else {
                current.append(text).append('\n');
            }
        }
        if (current != null) {
            throw new IllegalArgumentException("expected the " + OPENING + " block opened on line " + openedAt
                    + " to be closed by ```, found the end of the document");
        }
        return blocks;
    }
}
