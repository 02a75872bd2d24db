package io.finetune.ml;

import io.finetune.contracts.ModelManifest;
import io.finetune.imaging.ImageRejectedException;
import io.finetune.ml.data.Preprocessor;
import io.finetune.ml.net.InferenceGraph;
import io.finetune.ml.net.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A network with its preprocessing. Decoding runs on the caller's thread; the graph runs one batch at a time
 * (one lock), which on a CPU backend that already uses every core costs nothing in throughput.
 */
final class NetworkClassifier implements ImageClassifier {
    private final ModelManifest manifest;
    private final Preprocessor preprocessor;
    private final Network network;
    private final InferenceGraph graph;
    private final Object graphLock = new Object();
    private volatile boolean closed;

    NetworkClassifier(ModelManifest manifest, Network network, Preprocessor preprocessor) {
        this.manifest = manifest;
        this.preprocessor = preprocessor;
        this.network = network;
        this.graph = network.inferenceGraph(0, network.architecture().layers().size());
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public Prediction predict(byte[] encodedImage, int topK) throws ImageRejectedException {
        return predictBatch(List.of(encodedImage), topK).get(0);
    }

    @Override
    public List<Prediction> predictBatch(List<byte[]> encodedImages, int topK) throws ImageRejectedException {
        long start = System.nanoTime();
        INDArray input = preprocess(encodedImages);
        long preprocessed = System.nanoTime();
        float[][] probabilities = run(input);
        long done = System.nanoTime();
        double preprocessMillis = (preprocessed - start) / 1e6 / encodedImages.size();
        double inferenceMillis = (done - preprocessed) / 1e6 / encodedImages.size();
        List<Prediction> out = new ArrayList<>();
        for (float[] p : probabilities) {
            out.add(new Prediction(top(p, topK), preprocessMillis, inferenceMillis));
        }
        return out;
    }

    @Override
    public float[] probabilities(byte[] encodedImage) throws ImageRejectedException {
        return probabilitiesBatch(List.of(encodedImage))[0];
    }

    @Override
    public float[][] probabilitiesBatch(List<byte[]> encodedImages) throws ImageRejectedException {
        return run(preprocess(encodedImages));
    }

    private INDArray preprocess(List<byte[]> encodedImages) throws ImageRejectedException {
        if (encodedImages.isEmpty()) {
            throw new IllegalArgumentException("expected at least one image, found none");
        }
        int size = preprocessor.imageSize();
        int per = size * size * 3;
        float[] input = new float[encodedImages.size() * per];
        for (int i = 0; i < encodedImages.size(); i++) {
            preprocessor.normalize(preprocessor.pixels(encodedImages.get(i)), input, i * per);
        }
        return Nd4j.create(input, new long[]{encodedImages.size(), size, size, 3}, 'c');
    }

    private float[][] run(INDArray input) {
        INDArray probabilities;
        synchronized (graphLock) {
            if (closed) {
                throw new IllegalStateException("expected an open classifier, found it closed");
            }
            probabilities = graph.probabilities(input);
        }
        float[][] out = new float[(int) probabilities.size(0)][];
        for (int i = 0; i < out.length; i++) {
            out[i] = probabilities.getRow(i).toFloatVector();
        }
        return out;
    }

    private List<ClassScore> top(float[] probabilities, int k) {
        List<ClassScore> scores = new ArrayList<>();
        for (int i = 0; i < probabilities.length; i++) {
            scores.add(new ClassScore(manifest.classes().get(i), i, probabilities[i]));
        }
        scores.sort(Comparator.comparingDouble(ClassScore::probability).reversed());
        return List.copyOf(scores.subList(0, Math.max(0, Math.min(k, scores.size()))));
    }

    /**
     * Frees the graph's buffers and the parameters' native memory at once (the classifier owns its network: every
     * caller gives it a network of its own, {@code ModelPackages.load} or a copy). Idempotent.
     */
    @Override
    public void close() {
        synchronized (graphLock) {
            if (closed) {
                return;
            }
            closed = true;
            graph.close();
            network.release();
        }
    }
}
