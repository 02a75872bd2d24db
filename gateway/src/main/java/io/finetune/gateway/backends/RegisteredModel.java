package io.finetune.gateway.backends;

import java.util.List;

/**
 * The part of the inference service's {@code GET /registry/{name}} the gateway reads itself (to check a FINETUNE
 * against its base model); the page and API callers get the whole answer, passed through. Other fields are ignored.
 */
public record RegisteredModel(String name, String latestVersion, List<Version> versions) {
    public record Version(String version, String architecture, int imageSize) {
    }
}
