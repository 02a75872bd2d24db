package io.finetune.ml.weights;

import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Layer;
import io.finetune.ml.net.MobileLayers.MBConv;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * How published EfficientNet-Lite checkpoints name their tensors, mapped to this project's parameter names
 * ({@code stem/W}, {@code block3/expand/gamma}, {@code top/var}, {@code classifier/b}, ...).
 */
public enum TensorNaming {
    /**
     * {@code efficientnet-lite-pytorch} (the lukemelas-style {@code EfficientNet} module): {@code _conv_stem},
     * {@code _bn0}, {@code _blocks.<i>._expand_conv / _bn0 / _depthwise_conv / _bn1 / _project_conv / _bn2},
     * {@code _conv_head}, {@code _bn1}, {@code _fc}.
     */
    PYTORCH("_conv_stem.weight"),
    /**
     * timm's {@code tf_efficientnet_lite0..2}: {@code conv_stem}, {@code bn1}, blocks by stage and index
     * ({@code blocks.<stage>.<j>.conv_pw / bn1 / conv_dw / bn2 / conv_pwl / bn3}; the first stage, without
     * expansion: {@code conv_dw / bn1 / conv_pw / bn2}), {@code conv_head}, {@code bn2}, {@code classifier}.
     */
    TIMM("conv_stem.weight");

    private static final Map<String, String> BN = Map.of("gamma", "weight", "beta", "bias", "mean", "running_mean",
            "var", "running_var");
    private final String marker;

    TensorNaming(String marker) {
        this.marker = marker;
    }

    /** The scheme whose stem weight the file has, or null. */
    static TensorNaming detect(Set<String> names) {
        for (TensorNaming n : values()) {
            if (names.contains(n.marker)) {
                return n;
            }
        }
        return null;
    }

    /** Tensors a checkpoint may carry that hold no weights (PyTorch's batch-norm step counters). */
    static boolean isBookkeeping(String name) {
        return name.endsWith(".num_batches_tracked");
    }

    /** For every parameter of {@code architecture}, the tensor name in this scheme. */
    Map<String, String> sourceNames(Architecture architecture, Map<String, ? extends Iterable<String>> paramsByLayer) {
        Map<String, String> out = new HashMap<>();
        int stage = -1;
        int inStage = 0;
        int previousFilters = -1;
        for (Layer layer : architecture.layers()) {
            String prefix;
            Map<String, String> parts;
            if (layer instanceof MBConv b) {
                if (b.filters() != previousFilters) {
                    stage++;
                    inStage = 0;
                }
                previousFilters = b.filters();
                prefix = this == PYTORCH ? "_blocks." + b.name().substring("block".length()) + "."
                        : "blocks." + stage + "." + inStage++ + ".";
                parts = blockParts(b.expands());
            } else if (layer.name().equals("stem")) {
                prefix = "";
                parts = this == PYTORCH ? Map.of("", "_conv_stem|_bn0") : Map.of("", "conv_stem|bn1");
            } else if (layer.name().equals("top")) {
                prefix = "";
                parts = this == PYTORCH ? Map.of("", "_conv_head|_bn1") : Map.of("", "conv_head|bn2");
            } else {
                prefix = "";
                parts = Map.of("", this == PYTORCH ? "_fc" : "classifier");
            }
            for (String param : paramsByLayer.get(layer.name())) {
                out.put(param, sourceName(layer.name(), param, prefix, parts));
            }
        }
        return out;
    }

    private Map<String, String> blockParts(boolean expands) {
        if (this == PYTORCH) {
            return Map.of("expand", "_expand_conv|_bn0", "depthwise", "_depthwise_conv|_bn1",
                    "project", "_project_conv|_bn2");
        }
        return expands ? Map.of("expand", "conv_pw|bn1", "depthwise", "conv_dw|bn2", "project", "conv_pwl|bn3")
                : Map.of("depthwise", "conv_dw|bn1", "project", "conv_pw|bn2");
    }

    /** {@code block3/expand/gamma} with part "expand" -> "conv_pw|bn1" -> {@code blocks.1.0.bn1.weight}. */
    private static String sourceName(String layer, String param, String prefix, Map<String, String> parts) {
        String rest = param.substring(layer.length() + 1);
        int slash = rest.indexOf('/');
        String part = slash < 0 ? "" : rest.substring(0, slash);
        String leaf = slash < 0 ? rest : rest.substring(slash + 1);
        String[] names = parts.get(part).split("\\|");
        if (names.length == 1) {
            return prefix + names[0] + (leaf.equals("W") ? ".weight" : ".bias");
        }
        return leaf.equals("W") ? prefix + names[0] + ".weight" : prefix + names[1] + "." + BN.get(leaf);
    }
}
