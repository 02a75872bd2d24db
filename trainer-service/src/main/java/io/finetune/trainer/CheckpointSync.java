package io.finetune.trainer;

import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Mirrors the trainer's local checkpoint folders to {@code jobs/{jobId}/checkpoints/epoch-{n}/} and back. A remote
 * checkpoint counts only once its {@code _COMPLETE} marker (written last) exists; the marker holds the local folder
 * name, so a restored checkpoint looks exactly as the trainer wrote it.
 */
@Singleton
public class CheckpointSync {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointSync.class);

    private final ObjectStore store;
    private final int keep;

    public CheckpointSync(ObjectStore store, TrainerConfiguration configuration) {
        this.store = store;
        this.keep = configuration.keepCheckpoints();
    }

    /** Uploads every file of {@code localDir}, then the marker, then prunes older complete checkpoints. */
    public void upload(String jobId, int epoch, Path localDir) throws IOException {
        String prefix = ObjectLayout.jobCheckpointPrefix(jobId, epoch);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(localDir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String relative = localDir.relativize(file).toString().replace('\\', '/');
            store.upload(prefix + relative, file, "application/octet-stream");
        }
        store.put(ObjectLayout.jobCheckpointComplete(jobId, epoch),
                localDir.getFileName().toString().getBytes(StandardCharsets.UTF_8), "text/plain");
        List<Integer> complete = completeEpochs(jobId);
        for (int i = 0; i < complete.size() - keep; i++) {
            store.deletePrefix(ObjectLayout.jobCheckpointPrefix(jobId, complete.get(i)));
        }
    }

    /**
     * Empties {@code localCheckpoints} and fills it with the newest complete remote checkpoint, if any.
     *
     * @return the epoch restored, 0 for none
     */
    public int restore(String jobId, Path localCheckpoints) throws IOException {
        deleteTree(localCheckpoints);
        Files.createDirectories(localCheckpoints);
        List<Integer> complete = completeEpochs(jobId);
        if (complete.isEmpty()) {
            return 0;
        }
        int epoch = complete.get(complete.size() - 1);
        String prefix = ObjectLayout.jobCheckpointPrefix(jobId, epoch);
        String folder = new String(store.get(ObjectLayout.jobCheckpointComplete(jobId, epoch)).orElseThrow(),
                StandardCharsets.UTF_8).trim();
        if (folder.isEmpty() || folder.contains("/") || folder.contains("..")) {
            throw new IOException("expected a folder name in " + ObjectLayout.jobCheckpointComplete(jobId, epoch)
                    + ", found '" + folder + "'");
        }
        Path target = localCheckpoints.resolve(folder);
        for (String key : store.list(prefix)) {
            String relative = key.substring(prefix.length());
            if (!relative.equals(ObjectLayout.CHECKPOINT_COMPLETE)) {
                store.download(key, target.resolve(relative));
            }
        }
        LOG.info("restored checkpoint of job {} after epoch {} into {}", jobId, epoch, target);
        return epoch;
    }

    /** Epochs with a complete checkpoint, ascending. */
    public List<Integer> completeEpochs(String jobId) {
        String prefix = ObjectLayout.jobCheckpointsPrefix(jobId);
        return store.children(prefix).stream()
                .mapToInt(ObjectLayout::checkpointEpoch)
                .filter(e -> e > 0 && store.exists(ObjectLayout.jobCheckpointComplete(jobId, e)))
                .sorted().boxed().toList();
    }

    public void deleteAll(String jobId) {
        store.deletePrefix(ObjectLayout.jobCheckpointsPrefix(jobId));
    }

    public static void deleteTree(Path p) throws IOException {
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
