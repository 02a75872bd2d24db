package io.finetune.ml;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.EpochMetrics;
import io.finetune.ml.weights.NamedArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One directory per finished epoch, {@code epoch-0007}: weights, optimizer state and run state. Written to a
 * temporary directory and renamed, so a checkpoint directory is complete or absent. The two newest are kept.
 */
final class Checkpoints {
    private static final String PREFIX = "epoch-";
    private static final ObjectMapper JSON = ContractCodec.mapper();
    private static final int KEEP = 2;

    /**
     * Where a run stands after an epoch: shuffling and augmentation derive from (seed, epoch), so this plus the
     * weights and Adam moments is all the random state there is.
     */
    record State(int epochsDone, int phase, int phaseEpochsDone, double bestValidationAccuracy,
                 int epochsSinceBest, boolean stopped, List<EpochMetrics> history) {
    }

    record Saved(State state, Map<String, INDArray> weights, Map<String, INDArray> optimizer) {
    }

    private Checkpoints() {
    }

    static Optional<Saved> latest(Path dir) throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Optional<Path> newest;
        try (Stream<Path> children = Files.list(dir)) {
            newest = children.filter(p -> p.getFileName().toString().startsWith(PREFIX))
                    .filter(p -> Files.isRegularFile(p.resolve("state.json")))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        }
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        Path p = newest.get();
        State state = JSON.readValue(p.resolve("state.json").toFile(), State.class);
        return Optional.of(new Saved(state, NamedArrays.read(existing(p, "weights")),
                NamedArrays.read(existing(p, "optimizer"))));
    }

    static Path write(Path dir, State state, Map<String, INDArray> weights, Map<String, INDArray> optimizer)
            throws IOException {
        Files.createDirectories(dir);
        String name = PREFIX + String.format("%04d", state.epochsDone());
        Path tmp = dir.resolve("." + name + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        NamedArrays.write(tmp.resolve("weights.safetensors"), weights, Map.of());
        NamedArrays.write(tmp.resolve("optimizer.safetensors"), optimizer, Map.of());
        JSON.writeValue(tmp.resolve("state.json").toFile(), state);
        Path target = dir.resolve(name);
        deleteTree(target);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        prune(dir);
        return target;
    }

    /** {@code name.safetensors}, or {@code name.bin} in checkpoints written before safetensors. */
    private static Path existing(Path checkpoint, String name) {
        Path current = checkpoint.resolve(name + ".safetensors");
        return Files.isRegularFile(current) ? current : checkpoint.resolve(name + ".bin");
    }

    private static void prune(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> children = Files.list(dir)) {
            all = children.filter(p -> p.getFileName().toString().startsWith(PREFIX))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        for (int i = 0; i < all.size() - KEEP; i++) {
            deleteTree(all.get(i));
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
