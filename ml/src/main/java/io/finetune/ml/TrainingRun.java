package io.finetune.ml;

import io.finetune.contracts.EpochMetrics;
import io.finetune.contracts.EvaluationSummary;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelRef;
import io.finetune.contracts.Normalization;
import io.finetune.imaging.ImageDecoder;
import io.finetune.ml.data.Batches;
import io.finetune.ml.data.DecodedSet;
import io.finetune.ml.data.Examples;
import io.finetune.ml.data.FeatureDropout;
import io.finetune.ml.data.FeatureExamples;
import io.finetune.ml.data.ImageExamples;
import io.finetune.ml.data.Preprocessor;
import io.finetune.ml.net.Architecture;
import io.finetune.ml.net.Architectures;
import io.finetune.ml.net.InferenceGraph;
import io.finetune.ml.net.Layer;
import io.finetune.ml.net.Network;
import io.finetune.ml.net.TrainGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The state of one training run: phases, epochs, checkpoints. Confined to the calling thread. */
final class TrainingRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final TrainingSpec spec;
    private final TrainerOptions options;
    private final TrainingListener listener;
    private final Path checkpoints;
    private final Architecture architecture;
    private final ExecutorService pool;
    private Preprocessor preprocessor;
    private FrozenFeatureCache featureCache;
    private double pendingCacheSeconds;
    private io.finetune.contracts.WeightsSource pretrained;
    private final List<EpochMetrics> history = new ArrayList<>();
    private double best = Double.NEGATIVE_INFINITY;
    private int sinceBest;

    private record Phase(String name, int epochs, double learningRate, List<String> frozen) {
    }

    TrainingRun(TrainingSpec spec, TrainerOptions options, TrainingListener listener, Path checkpoints) {
        this.spec = spec;
        this.options = options;
        this.listener = listener;
        this.checkpoints = checkpoints;
        this.architecture = Architectures.byName(spec.architecture());
        this.pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "batch");
            t.setDaemon(true);
            return t;
        });
    }

    TrainedModel execute(ImageDataset data, Path base) throws IOException, TrainingCancelledException {
        ModelManifest baseManifest = spec.kind() == JobKind.FINETUNE ? ModelPackages.readManifest(base) : null;
        if (baseManifest != null) {
            checkBase(baseManifest);
            pretrained = baseManifest.provenance() == null ? null : baseManifest.provenance().pretrained();
        }
        // a fine-tuned model sees pixels as its base did
        Normalization normalization = baseManifest != null ? baseManifest.normalization()
                : architecture.input().normalization();
        preprocessor = new Preprocessor(new ImageDecoder(), spec.imageSize(), normalization);
        long started = System.nanoTime();
        DecodedSet train = DecodedSet.decode(data.train(), preprocessor, options.threads(), spec.augments());
        DecodedSet validation = DecodedSet.decode(data.validation(), preprocessor, options.threads());
        train.skipped().forEach(s -> LOG.warn("skipped {}: {} ({})", s.file(), s.reason(), s.detail()));
        validation.skipped().forEach(s -> LOG.warn("skipped {}: {} ({})", s.file(), s.reason(), s.detail()));
        LOG.info("decoded {} training and {} validation images at {} px in {} s ({} skipped)", train.size(),
                validation.size(), spec.imageSize(), String.format("%.1f", (System.nanoTime() - started) / 1e9),
                train.skipped().size() + validation.skipped().size());
        if (train.size() == 0) {
            throw new IOException("expected usable training images, found none of " + data.train().size());
        }
        Network network;
        ModelRef parent = null;
        if (baseManifest != null) {
            Network baseNet = ModelPackages.readNetwork(base, baseManifest);
            network = Network.transfer(baseNet, spec.freezeCutPoint(), spec.classes().size(), spec.seed());
            parent = new ModelRef(baseManifest.name(), baseManifest.version());
        } else {
            network = Network.initialize(architecture, spec.imageSize(), spec.classes().size(), spec.seed());
        }
        List<Phase> phases = phases();
        Optional<Checkpoints.Saved> saved = Checkpoints.latest(checkpoints);
        int startPhase = 0;
        int startEpochInPhase = 0;
        if (saved.isPresent()) {
            Checkpoints.State s = saved.get().state();
            network = Network.of(architecture, spec.imageSize(), spec.classes().size(), saved.get().weights(),
                    "checkpoint in " + checkpoints);
            history.addAll(s.history());
            best = s.bestValidationAccuracy();
            sinceBest = s.epochsSinceBest();
            startPhase = s.stopped() ? phases.size() : s.phase();
            startEpochInPhase = s.phaseEpochsDone();
            LOG.info("resuming from checkpoint after epoch {} in {}", s.epochsDone(), checkpoints);
        }
        boolean stopped = saved.map(s -> s.state().stopped()).orElse(false);
        java.util.TreeSet<Integer> cacheLevels = new java.util.TreeSet<>();
        for (int p = startPhase; p < phases.size() && !stopped; p++) {
            if (cachesFrozen(phases.get(p))) {
                cacheLevels.add(fromLayer(phases.get(p)));
            }
        }
        if (!cacheLevels.isEmpty()) {
            featureCache = new FrozenFeatureCache(network, train, validation, preprocessor, spec.augmentation(),
                    spec.views(), spec.seed(), spec.batchSize(), pool, listener);
            featureCache.prepare(cacheLevels);
            pendingCacheSeconds = featureCache.seconds();
        }
        for (int p = startPhase; p < phases.size() && !stopped; p++) {
            int first = p == startPhase ? startEpochInPhase : 0;
            if (first >= phases.get(p).epochs()) {
                continue;
            }
            stopped = runPhase(network, p, phases.get(p), first, train, validation,
                    p == startPhase ? saved.map(Checkpoints.Saved::optimizer).orElse(null) : null);
        }
        EvaluationSummary test = null;
        if (!data.test().isEmpty()) {
            try (ImageClassifier classifier = new NetworkClassifier(manifest(parent, null), network.copy(),
                    preprocessor)) {
                test = Evaluator.evaluate(classifier, data.test()).toSummary();
            }
        }
        return new TrainedNetwork(manifest(parent, test), network);
    }

    private void checkBase(ModelManifest base) {
        if (!base.architecture().equals(spec.architecture()) || base.imageSize() != spec.imageSize()) {
            throw new IllegalArgumentException("expected a base model of " + spec.architecture() + " at "
                    + spec.imageSize() + " px, found " + base.architecture() + " at " + base.imageSize() + " px ("
                    + base.name() + " " + base.version() + ")");
        }
    }

    /**
     * Weights and dense biases of the layers this run initialized itself (for FINETUNE those above the cut; else
     * all): what weight decay applies to.
     */
    private Set<String> freshWeights(Network network) {
        List<String> copied = spec.kind() == JobKind.FINETUNE ? architecture.featureLayersUpTo(spec.freezeCutPoint())
                : List.of();
        Set<String> fresh = new HashSet<>();
        for (Layer layer : architecture.layers()) {
            if (!copied.contains(layer.name())) {
                for (String name : network.paramNames(layer.name())) {
                    if (name.endsWith("/W") || name.endsWith("/b")) {
                        fresh.add(name);
                    }
                }
            }
        }
        return fresh;
    }

    /** Pretrained backbones keep their batch-norm statistics by default and cache augmented views. */
    private boolean isBackbone() {
        return architecture.input().nativeImageSize() > 0;
    }

    /** The lowest trainable layer of a phase: what it trains from. */
    private int fromLayer(Phase phase) {
        return phase.frozen().isEmpty() ? 0
                : architecture.indexOf(phase.frozen().get(phase.frozen().size() - 1)) + 1;
    }

    /**
     * Whether the phase trains on cached outputs of its frozen layers: when it has some and they cannot change (no
     * adapting statistics in them) and every input they see is known in advance (no online augmentation, or cached
     * augmented views).
     */
    private boolean cachesFrozen(Phase phase) {
        boolean frozenStatisticsMove = spec.trainBatchNorm() && !isBackbone();
        return options.featureCache() && fromLayer(phase) > 0 && !frozenStatisticsMove
                && (spec.views() > 0 || !spec.augments());
    }

    private List<Phase> phases() {
        if (spec.kind() != JobKind.FINETUNE) {
            return List.of(new Phase("train", spec.epochs(), spec.learningRate(), List.of()));
        }
        List<String> frozen = architecture.featureLayersUpTo(spec.freezeCutPoint());
        List<Phase> phases = new ArrayList<>();
        phases.add(new Phase("head", spec.epochs(), spec.learningRate(), frozen));
        if (spec.unfreeze() != null) {
            phases.add(new Phase("unfreeze", spec.unfreeze().epochs(), spec.unfreeze().learningRate(),
                    frozen.subList(0, frozen.size() - spec.unfreeze().layers())));
        }
        return phases;
    }

    /** Returns true when early stopping ended the run. */
    private boolean runPhase(Network network, int phaseIndex, Phase phase, int firstEpoch, DecodedSet train,
                             DecodedSet validation, java.util.Map<String, INDArray> optimizerState)
            throws IOException, TrainingCancelledException {
        int from = fromLayer(phase);
        boolean cached = cachesFrozen(phase);
        Set<String> trainable = new HashSet<>();
        for (Layer layer : architecture.layers()) {
            if (!phase.frozen().contains(layer.name())) {
                trainable.add(layer.name());
            }
        }
        Set<String> batchStatistics = new HashSet<>();
        if (isBackbone()) {
            // pretrained statistics are kept unless asked otherwise; then only the unfrozen layers adapt theirs
            if (spec.trainBatchNorm()) {
                batchStatistics.addAll(trainable);
            }
        } else {
            batchStatistics.addAll(trainable);
            if (spec.trainBatchNorm()) {
                batchStatistics.addAll(phase.frozen());
            }
        }
        Examples trainExamples;
        Examples validationExamples;
        if (cached) {
            trainExamples = featureCache.train(from);
            validationExamples = featureCache.validation(from);
            if (from == architecture.layers().size() - 1 && spec.dropout() > 0) {
                // the classifier alone trains, on cached pooled features: dropout applies to them
                trainExamples = new FeatureDropout(trainExamples, spec.dropout());
            }
        } else {
            from = 0;
            trainExamples = new ImageExamples(train, preprocessor, spec.augments() ? spec.augmentation() : null);
            validationExamples = new ImageExamples(validation, preprocessor, null);
        }
        double cacheSeconds = pendingCacheSeconds;
        pendingCacheSeconds = 0;
        TrainGraph graph = network.trainGraph(from, trainable, batchStatistics);
        if (optimizerState != null) {
            graph.restoreOptimizerState(optimizerState);
        }
        graph.setWeightDecay(spec.weightDecay(), freshWeights(network));
        LOG.info("phase {}: {} trainable parameters, layers from {} ({}), {} epochs at learning rate {} ({})",
                phase.name(), graph.trainableCount(), from, cached ? trainExamples.size() + " cached views"
                        : "images", phase.epochs(), phase.learningRate(), graph.engine());
        for (int e = firstEpoch; e < phase.epochs(); e++) {
            int epoch = history.size() + 1;
            long start = System.nanoTime();
            double rate = Schedules.rate(spec.schedule(), phase.learningRate(), e, phase.epochs());
            double[] lossAcc = trainEpoch(graph, trainExamples, epoch, rate);
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            graph.syncToNetwork();
            ClassificationMetrics val = validate(network, from, validationExamples);
            double seconds = (System.nanoTime() - start) / 1e9 + (e == firstEpoch ? cacheSeconds : 0);
            EpochMetrics metrics = new EpochMetrics(epoch, spec.totalEpochs(), phase.name(), lossAcc[0], lossAcc[1],
                    val.loss(), val.accuracy(), seconds, trainExamples.size() / trainSeconds);
            history.add(metrics);
            listener.onEpoch(metrics);
            LOG.debug("epoch {} at rate {}: {}", epoch, rate, metrics);
            boolean stop = earlyStop(val.accuracy());
            if (checkpoints != null) {
                Checkpoints.State state = new Checkpoints.State(epoch, phaseIndex, e + 1, best, sinceBest, stop,
                        List.copyOf(history));
                Path dir = Checkpoints.write(checkpoints, state, network.params(), graph.optimizerState());
                listener.onCheckpoint(epoch, dir);
            }
            if (stop) {
                LOG.info("early stopping after epoch {}: no validation improvement in {} epochs", epoch, sinceBest);
                return true;
            }
        }
        return false;
    }

    private double[] trainEpoch(TrainGraph graph, Examples examples, int epoch, double rate)
            throws TrainingCancelledException {
        int[] order = new int[examples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random shuffle = new Random(mix(spec.seed(), epoch));
        for (int i = order.length - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        Batches batches = new Batches(examples, order, spec.batchSize(), spec.classes().size(),
                mix(spec.seed(), epoch), spec.labelSmoothing(), pool);
        int count = batches.count();
        double lossSum = 0;
        int correct = 0;
        int seen = 0;
        long start = System.nanoTime();
        for (int b = 0; b < count; b++) {
            if (listener.cancelRequested()) {
                throw new TrainingCancelledException("training cancelled in epoch " + epoch + " at batch " + b);
            }
            Batches.Batch batch = batches.next();
            TrainGraph.StepResult r = graph.step(batch.input(), batch.labels(), rate);
            lossSum += r.loss() * batch.size();
            int[] predicted = r.logits().argMax(1).toIntVector();
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == batch.classes()[i] ? 1 : 0;
            }
            seen += batch.size();
            listener.onBatch(epoch, b + 1, count, lossSum / seen, (double) correct / seen,
                    seen / ((System.nanoTime() - start) / 1e9));
        }
        return new double[]{lossSum / seen, (double) correct / seen};
    }

    private ClassificationMetrics validate(Network network, int from, Examples examples) {
        ClassificationMetrics metrics = new ClassificationMetrics(spec.classes());
        if (examples.size() == 0) {
            return metrics;
        }
        InferenceGraph graph = network.inferenceGraph(from, architecture.layers().size());
        int[] order = new int[examples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Batches batches = new Batches(examples, order, Math.max(32, spec.batchSize()), spec.classes().size(), 0,
                pool);
        while (batches.hasNext()) {
            Batches.Batch batch = batches.next();
            INDArray p = graph.probabilities(batch.input());
            for (int i = 0; i < batch.size(); i++) {
                metrics.add(p.getRow(i).toFloatVector(), batch.classes()[i]);
            }
        }
        return metrics;
    }

    private boolean earlyStop(double validationAccuracy) {
        if (!Double.isNaN(validationAccuracy) && validationAccuracy > best) {
            best = validationAccuracy;
            sinceBest = 0;
        } else {
            sinceBest++;
        }
        Integer patience = spec.earlyStoppingPatience();
        return patience != null && patience > 0 && sinceBest >= patience;
    }

    static long mix(long seed, long epoch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private ModelManifest manifest(ModelRef parent, EvaluationSummary test) {
        List<String> frozen = spec.kind() == JobKind.FINETUNE
                ? phases().get(phases().size() - 1).frozen() : List.of();
        return new ModelManifest(ModelManifest.SCHEMA_VERSION, "unnamed", "0", spec.kind(), spec.architecture(),
                spec.classes(), spec.imageSize(), preprocessor.normalization(), ModelPackages.WEIGHTS, parent,
                List.copyOf(frozen), null, null, spec.hyperParameters(), spec.seed(), List.copyOf(history), test,
                ProvenanceFactory.current().withPretrained(pretrained));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
