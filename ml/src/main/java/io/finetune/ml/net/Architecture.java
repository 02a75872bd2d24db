package io.finetune.ml.net;

import io.finetune.contracts.Normalization;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network as an ordered list of named layers. The feature layers (the ones a fine-tune may copy and freeze) are
 * the possible cut points; everything after the cut is the head, re-initialized for the new class count.
 *
 * @param input          the input a network of this kind is built for: native image size and pixel normalization
 * @param headDropout    dropout rate on the classifier's input while training (0: none)
 */
public record Architecture(String name, String description, List<Layer> layers, List<String> cutPoints,
                           String defaultCutPoint, Input input, double headDropout) {
    /** The reference networks' input: any size, pixels scaled to [0,1], stretched to a square. */
    public static final Input UNIT_INPUT = new Input(0, Normalization.UNIT_RGB_NHWC);

    public Architecture {
        layers = List.copyOf(layers);
        cutPoints = List.copyOf(cutPoints);
    }

    public Architecture(String name, String description, List<Layer> layers, List<String> cutPoints,
                        String defaultCutPoint) {
        this(name, description, layers, cutPoints, defaultCutPoint, UNIT_INPUT, 0);
    }

    /**
     * @param nativeImageSize the size pretrained weights were trained at (0: none, any size the layers accept)
     * @param normalization   how pixels become input
     */
    public record Input(int nativeImageSize, Normalization normalization) {
    }

    public void checkCutPoint(String cut) {
        if (!cutPoints.contains(cut)) {
            throw new IllegalArgumentException("expected a freeze cut point of " + name + " (one of " + cutPoints
                    + "), found '" + cut + "'");
        }
    }

    /** Feature layer names up to and including the cut, in order. */
    public List<String> featureLayersUpTo(String cut) {
        checkCutPoint(cut);
        return cutPoints.subList(0, cutPoints.indexOf(cut) + 1);
    }

    public int indexOf(String layer) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(layer)) {
                return i;
            }
        }
        throw new IllegalArgumentException("expected a layer of " + name + ", found '" + layer + "'");
    }

    /** Input shape of every layer, then the output shape: {@code layers().size() + 1} entries. */
    public List<Shape> shapes(int imageSize, int numClasses) {
        List<Shape> shapes = new ArrayList<>();
        Shape s = new Shape(imageSize, imageSize, 3);
        shapes.add(s);
        for (Layer layer : layers) {
            s = layer.outputShape(s, numClasses);
            if (s.height() < 1 || s.width() < 1) {
                throw new IllegalArgumentException("expected an image size that leaves " + layer.name() + " of "
                        + name + " a positive output, found imageSize " + imageSize);
            }
            shapes.add(s);
        }
        return shapes;
    }

    /** The smallest square input every layer accepts. */
    public int minImageSize() {
        for (int size = 8; size < 1024; size++) {
            try {
                shapes(size, 2);
                return size;
            } catch (IllegalArgumentException tooSmall) {
                // try the next size
            }
        }
        throw new IllegalStateException("no image size below 1024 fits " + name);
    }

    /** Every parameter by layer, in layer order. */
    public Map<String, List<ParamSpec>> params(int imageSize, int numClasses) {
        List<Shape> shapes = shapes(imageSize, numClasses);
        Map<String, List<ParamSpec>> byLayer = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            byLayer.put(layers.get(i).name(), layers.get(i).params(shapes.get(i), numClasses));
        }
        return byLayer;
    }

    /** Learnable parameters (batch-norm running statistics excluded), as Keras counts them. */
    public long parameterCount(int imageSize, int numClasses, List<String> frozenLayers) {
        long n = 0;
        for (Map.Entry<String, List<ParamSpec>> e : params(imageSize, numClasses).entrySet()) {
            if (frozenLayers.contains(e.getKey())) {
                continue;
            }
            for (ParamSpec p : e.getValue()) {
                n += p.isRunningStatistic() ? 0 : p.length();
            }
        }
        return n;
    }
}
