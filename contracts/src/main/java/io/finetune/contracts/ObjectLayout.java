package io.finetune.contracts;

import java.util.regex.Pattern;

/**
 * The one definition of where things live in object storage (one bucket, {@link #DEFAULT_BUCKET} unless configured).
 *
 * <pre>
 * datasets/{name}/{version}/shards/{nnnnnn}.bin  the images' bytes, packed: each manifest line names its shard,
 *                                               offset and length ({split}/{class}/{sha256}.{ext} names the image)
 * datasets/{name}/{version}/{split}/{class}/{sha256}.{ext}   one object per image: versions written before shards
 * datasets/{name}/{version}/manifest.jsonl      written last: the version exists once this exists
 * datasets/{name}/{version}/summary.json
 * datasets/{name}/{version}/_INGESTING         while an ingest runs (names its owner); never with a manifest for long
 * models/{name}/{version}/model.sdz, manifest.json (manifest last)
 * models/{name}/latest                          pointer, written after the version is complete
 * serving/models/{name}.json                    desired serving state of a model (ServingState), one PUT
 * serving/replicas/{replicaId}.json             what one inference replica actually serves, refreshed periodically
 * jobs/{jobId}/state.json, jobs/{jobId}/checkpoints/epoch-{n}/...
 * jobs/{jobId}/leases/{generation}.json        which trainer runs the job (JobLease), create-only per generation
 * jobs/{jobId}/cancel.json                      a CANCEL recorded for the job (JobCancelRequest)
 * queues/{group}/{submittedMillis}-{jobId}      a training command waiting or running: the record's bytes, created
 *                                               once, removed after the job's state is final (oldest name first)
 * </pre>
 */
public final class ObjectLayout {
    public static final String DEFAULT_BUCKET = "finetune";
    public static final String DATASETS = "datasets/";
    public static final String MODELS = "models/";
    public static final String JOBS = "jobs/";
    public static final String SERVING = "serving/";
    public static final String QUEUES = "queues/";
    public static final String SERVING_MODELS = SERVING + "models/";
    public static final String SERVING_REPLICAS = SERVING + "replicas/";
    public static final String MANIFEST_JSONL = "manifest.jsonl";
    public static final String SUMMARY_JSON = "summary.json";
    public static final String MODEL_MANIFEST = "manifest.json";
    public static final String LATEST = "latest";
    /** Marker object written last into a checkpoint folder: the checkpoint is complete once it exists. */
    public static final String CHECKPOINT_COMPLETE = "_COMPLETE";
    /** Create-only object that reserves a model version for one job before any of its files are uploaded. */
    public static final String MODEL_VERSION_CLAIM = ".claim";
    /** Marker of a dataset version being ingested: names its owner; removed after manifest.jsonl is written. */
    public static final String INGEST_MARKER = "_INGESTING";

    /** Dataset, model and class names: lower case, digits, '.', '_' and '-', 1 to 64 characters. */
    /** A dataset or model name, anchored (as an OpenAPI pattern must be). */
    public static final String NAME_REGEX = "^[a-z0-9][a-z0-9._-]{0,63}$";
    public static final Pattern NAME = Pattern.compile(NAME_REGEX);
    /** Job ids: letters, digits, '.', '_' and '-', 1 to 128 characters. */
    public static final String JOB_ID_REGEX = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";
    public static final Pattern JOB_ID = Pattern.compile(JOB_ID_REGEX);

    private ObjectLayout() {
    }

    public static String datasetPrefix(String name) {
        return DATASETS + name + "/";
    }

    public static String datasetVersionPrefix(String name, String version) {
        return datasetPrefix(name) + version + "/";
    }

    public static String datasetImage(String name, String version, Split split, String className, String sha256,
                                      String extension) {
        return datasetVersionPrefix(name, version) + split.key() + "/" + className + "/" + sha256 + "." + extension;
    }

    /** Shard {@code index} of a dataset version: images' bytes back to back, located by the manifest. */
    public static String datasetShard(String name, String version, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("expected a shard index >= 0, found " + index);
        }
        return datasetVersionPrefix(name, version) + "shards/" + String.format(java.util.Locale.ROOT, "%06d.bin",
                index);
    }

    public static String datasetManifest(String name, String version) {
        return datasetVersionPrefix(name, version) + MANIFEST_JSONL;
    }

    public static String datasetSummary(String name, String version) {
        return datasetVersionPrefix(name, version) + SUMMARY_JSON;
    }

    /** Written first by an ingest, removed after the manifest: a version with this and no manifest is in progress. */
    public static String datasetIngestMarker(String name, String version) {
        return datasetVersionPrefix(name, version) + INGEST_MARKER;
    }

    public static String modelPrefix(String name) {
        return MODELS + name + "/";
    }

    public static String modelVersionPrefix(String name, String version) {
        return modelPrefix(name) + version + "/";
    }

    public static String modelFile(String name, String version, String file) {
        return modelVersionPrefix(name, version) + file;
    }

    public static String modelManifest(String name, String version) {
        return modelVersionPrefix(name, version) + MODEL_MANIFEST;
    }

    public static String modelLatest(String name) {
        return modelPrefix(name) + LATEST;
    }

    /** The desired serving state of a model: {@code serving/models/{name}.json}. */
    public static String servingState(String name) {
        return SERVING_MODELS + requireName("model name", name) + ".json";
    }

    /** The model named by a key under {@link #SERVING_MODELS}, or null when the key is not a serving state. */
    public static String servingStateModel(String key) {
        if (key == null || !key.startsWith(SERVING_MODELS) || !key.endsWith(".json")) {
            return null;
        }
        String name = key.substring(SERVING_MODELS.length(), key.length() - ".json".length());
        return NAME.matcher(name).matches() ? name : null;
    }

    /** What one inference replica reports it serves: {@code serving/replicas/{replicaId}.json}. */
    public static String servingReplica(String replicaId) {
        if (replicaId == null || !JOB_ID.matcher(replicaId).matches()) {
            throw new IllegalArgumentException("expected a replica id of 1-128 letters, digits, '.', '_' or '-', "
                    + "found '" + replicaId + "'");
        }
        return SERVING_REPLICAS + replicaId + ".json";
    }

    public static String jobState(String jobId) {
        return JOBS + jobId + "/state.json";
    }

    public static String jobCheckpointPrefix(String jobId, int epoch) {
        return jobCheckpointsPrefix(jobId) + "epoch-" + epoch + "/";
    }

    /** Every checkpoint of a job: {@code jobs/{jobId}/checkpoints/}. */
    public static String jobCheckpointsPrefix(String jobId) {
        return JOBS + jobId + "/checkpoints/";
    }

    public static String jobCheckpointComplete(String jobId, int epoch) {
        return jobCheckpointPrefix(jobId, epoch) + CHECKPOINT_COMPLETE;
    }

    /** Every lease generation of a job: {@code jobs/{jobId}/leases/}. */
    public static String jobLeasesPrefix(String jobId) {
        return JOBS + jobId + "/leases/";
    }

    /** Generation {@code n} of a job's lease; zero-padded so that names sort by generation. */
    public static String jobLease(String jobId, long generation) {
        if (generation < 1) {
            throw new IllegalArgumentException("expected a lease generation >= 1, found " + generation);
        }
        return jobLeasesPrefix(jobId) + String.format(java.util.Locale.ROOT, "%012d.json", generation);
    }

    public static String jobCancel(String jobId) {
        return JOBS + jobId + "/cancel.json";
    }

    /** The work queue of one trainer group: {@code queues/{group}/}. */
    public static String queuePrefix(String group) {
        if (group == null || !JOB_ID.matcher(group).matches()) {
            throw new IllegalArgumentException("expected a trainer group of 1-128 letters, digits, '.', '_' or '-', "
                    + "found '" + group + "'");
        }
        return QUEUES + group + "/";
    }

    /** A queued command: names sort by submission time (13-digit epoch milliseconds), then job id. */
    public static String queueEntry(String group, long submittedMillis, String jobId) {
        if (submittedMillis < 0) {
            throw new IllegalArgumentException("expected a submission time >= 0 ms, found " + submittedMillis);
        }
        return queuePrefix(group) + String.format(java.util.Locale.ROOT, "%013d", submittedMillis) + "-" + jobId;
    }

    /** The epoch of a checkpoint folder name ({@code epoch-7}), or -1 if the name is not one. */
    public static int checkpointEpoch(String folderName) {
        if (folderName == null || !folderName.matches("epoch-[0-9]{1,9}")) {
            return -1;
        }
        return Integer.parseInt(folderName.substring("epoch-".length()));
    }

    public static String modelVersionClaim(String name, String version) {
        return modelVersionPrefix(name, version) + MODEL_VERSION_CLAIM;
    }

    /** Object names must be safe path segments; throws with the offending value otherwise. */
    public static String requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException("expected " + what + " matching " + NAME.pattern() + ", found '"
                    + value + "'");
        }
        return value;
    }
}
