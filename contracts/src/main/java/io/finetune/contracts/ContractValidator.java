package io.finetune.contracts;

import java.util.ArrayList;
import java.util.List;

/** Checks decoded messages against the rules a consumer relies on; every error names its field. */
public final class ContractValidator {
    public static final int MAX_EPOCHS = 1000;
    public static final int MAX_BATCH = 4096;
    /** Cached views per training image (16 x 1,020 images of 7x7x192 block inputs are about 600 MB). */
    public static final int MAX_VIEWS = 16;
    public static final int MIN_IMAGE_SIZE = 8;
    public static final int MAX_IMAGE_SIZE = 1024;
    /** A dataset or model version a command names: a number, or {@code latest}; anchored, as OpenAPI wants it. */
    public static final String VERSION_REGEX = "^([1-9][0-9]{0,17}|latest)$";
    private static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile(VERSION_REGEX);

    private ContractValidator() {
    }

    public static List<FieldError> validate(Object message) {
        List<FieldError> errors = new ArrayList<>();
        if (message instanceof TrainingCommand c) {
            trainingCommand(c, errors);
        } else if (message instanceof TrainingEvent e) {
            schema(e.schemaVersion(), TrainingEvent.SCHEMA_VERSION, errors);
            jobId(e.jobId(), errors);
            required("type", e.type(), errors);
            required("timestamp", e.timestamp(), errors);
            if (e.type() == TrainingEventType.EPOCH_COMPLETED) {
                required("epoch", e.epoch(), errors);
            }
            if (e.type() == TrainingEventType.COMPLETED) {
                required("model", e.model(), errors);
            }
        } else if (message instanceof DatasetEvent e) {
            schema(e.schemaVersion(), DatasetEvent.SCHEMA_VERSION, errors);
            name("datasetName", e.datasetName(), errors);
            required("type", e.type(), errors);
            if (e.type() == DatasetEventType.READY) {
                notBlank("version", e.version(), errors);
                notBlank("fingerprint", e.fingerprint(), errors);
            }
        } else if (message instanceof ModelPublished m) {
            schema(m.schemaVersion(), ModelPublished.SCHEMA_VERSION, errors);
            name("modelName", m.modelName(), errors);
            notBlank("version", m.version(), errors);
            if (m.numClasses() < 2) {
                errors.add(new FieldError("numClasses", "expected at least 2, found " + m.numClasses()));
            }
        } else if (message instanceof ModelManifest m) {
            schema(m.schemaVersion(), ModelManifest.SCHEMA_VERSION, errors);
            name("name", m.name(), errors);
            notBlank("version", m.version(), errors);
            notBlank("architecture", m.architecture(), errors);
            notBlank("modelFile", m.modelFile(), errors);
            if (m.classes() == null || m.classes().size() < 2) {
                errors.add(new FieldError("classes", "expected at least 2 class names, found "
                        + (m.classes() == null ? "none" : m.classes().size())));
            }
            imageSize("imageSize", m.imageSize(), errors);
            required("normalization", m.normalization(), errors);
        } else if (message instanceof ModelPointer p) {
            schema(p.schemaVersion(), ModelPointer.SCHEMA_VERSION, errors);
            name("modelName", p.modelName(), errors);
            notBlank("version", p.version(), errors);
        } else if (message instanceof ServingState s) {
            schema(s.schemaVersion(), ServingState.SCHEMA_VERSION, errors);
            name("modelName", s.modelName(), errors);
            if (s.version() == null || !(ServingState.LATEST.equals(s.version())
                    || s.version().matches("[1-9][0-9]{0,17}"))) {
                errors.add(new FieldError("version", "expected 'latest' or a positive integer version, found "
                        + quote(s.version())));
            }
            notBlank("source", s.source(), errors);
            required("updatedAt", s.updatedAt(), errors);
        } else if (message instanceof JobState s) {
            schema(s.schemaVersion(), JobState.SCHEMA_VERSION, errors);
            jobId(s.jobId(), errors);
            required("status", s.status(), errors);
        } else if (message instanceof DatasetSummary s) {
            schema(s.schemaVersion(), DatasetSummary.SCHEMA_VERSION, errors);
            name("name", s.name(), errors);
            notBlank("version", s.version(), errors);
        }
        return errors;
    }

    private static void trainingCommand(TrainingCommand c, List<FieldError> errors) {
        schema(c.schemaVersion(), TrainingCommand.SCHEMA_VERSION, errors);
        jobId(c.jobId(), errors);
        if (c.kind() == null) {
            errors.add(new FieldError("kind", "expected one of BASE, FINETUNE, SCRATCH, CANCEL, found nothing"));
            return;
        }
        if (c.kind() == JobKind.CANCEL) {
            if (c.serve() != null) {
                errors.add(new FieldError("serve", "expected none for CANCEL (only a training job publishes a model "
                        + "to serve), found " + c.serve()));
            }
            return;
        }
        if (c.kind() == JobKind.PRETRAINED) {
            errors.add(new FieldError("kind", "expected one of BASE, FINETUNE, SCRATCH, CANCEL, found PRETRAINED "
                    + "(a kind of model, imported with `ml import`, not a job)"));
            return;
        }
        name("modelName", c.modelName(), errors);
        if (c.dataset() == null) {
            errors.add(new FieldError("dataset", "expected {name, version}, found nothing"));
        } else {
            name("dataset.name", c.dataset().name(), errors);
            version("dataset.version", c.dataset().version(), errors);
        }
        if (c.kind() == JobKind.FINETUNE) {
            if (c.baseModel() == null) {
                errors.add(new FieldError("baseModel", "expected {name, version} of the model to fine-tune, "
                        + "found nothing"));
            } else {
                name("baseModel.name", c.baseModel().name(), errors);
                version("baseModel.version", c.baseModel().version(), errors);
            }
        } else if (c.baseModel() != null) {
            errors.add(new FieldError("baseModel", "expected none for " + c.kind() + " (only FINETUNE starts from a "
                    + "base model), found " + c.baseModel().name()));
        }
        if (c.architecture() == null || !ArchitectureNames.ALL.contains(c.architecture())) {
            errors.add(new FieldError("architecture", "expected one of " + ArchitectureNames.ALL + ", found "
                    + (c.architecture() == null ? "nothing" : "'" + c.architecture() + "'")));
        }
        HyperParameters h = c.hyperParameters();
        if (h == null) {
            errors.add(new FieldError("hyperParameters", "expected epochs, batchSize, learningRate and imageSize, "
                    + "found nothing"));
            return;
        }
        range("hyperParameters.epochs", h.epochs(), 1, MAX_EPOCHS, errors);
        range("hyperParameters.batchSize", h.batchSize(), 1, MAX_BATCH, errors);
        imageSize("hyperParameters.imageSize", h.imageSize(), errors);
        if (!(h.learningRate() > 0 && h.learningRate() <= 1)) {
            errors.add(new FieldError("hyperParameters.learningRate", "expected a number in (0, 1], found "
                    + h.learningRate()));
        }
        Augmentation a = h.augmentation();
        if (a != null) {
            between("hyperParameters.augmentation.maxRotationDegrees", a.maxRotationDegrees(), 0, 45, errors);
            if (!(a.minCropScale() > 0.1 - 1e-9 && a.minCropScale() <= 1)) {
                errors.add(new FieldError("hyperParameters.augmentation.minCropScale",
                        "expected a fraction in [0.1, 1], found " + a.minCropScale()));
            }
            between("hyperParameters.augmentation.brightness", a.brightness(), 0, 1, errors);
            between("hyperParameters.augmentation.contrast", a.contrast(), 0, 1, errors);
        }
        if (h.earlyStoppingPatience() != null && h.earlyStoppingPatience() < 0) {
            errors.add(new FieldError("hyperParameters.earlyStoppingPatience", "expected 0 or more, found "
                    + h.earlyStoppingPatience()));
        }
        if (h.views() != null) {
            range("hyperParameters.views", h.views(), 0, MAX_VIEWS, errors);
            if (c.kind() != JobKind.FINETUNE) {
                errors.add(new FieldError("hyperParameters.views", "expected none for " + c.kind()
                        + " (cached views apply to FINETUNE only)"));
            }
        }
        if (h.dropout() != null && !(h.dropout() >= 0 && h.dropout() < 1)) {
            errors.add(new FieldError("hyperParameters.dropout", "expected a rate in [0, 1), found " + h.dropout()));
        }
        if (h.weightDecay() != null && !(h.weightDecay() >= 0 && h.weightDecay() <= 0.1)) {
            errors.add(new FieldError("hyperParameters.weightDecay", "expected a number in [0, 0.1], found "
                    + h.weightDecay()));
        }
        if (h.labelSmoothing() != null && !(h.labelSmoothing() >= 0 && h.labelSmoothing() < 0.5)) {
            errors.add(new FieldError("hyperParameters.labelSmoothing", "expected a number in [0, 0.5), found "
                    + h.labelSmoothing()));
        }
        if (c.kind() != JobKind.FINETUNE && (h.unfreeze() != null || h.freezeCutPoint() != null)) {
            errors.add(new FieldError(h.unfreeze() != null ? "hyperParameters.unfreeze"
                    : "hyperParameters.freezeCutPoint", "expected none for " + c.kind()
                    + " (freezing applies to FINETUNE only)"));
        }
        UnfreezePhase u = h.unfreeze();
        if (u != null) {
            range("hyperParameters.unfreeze.epochs", u.epochs(), 1, MAX_EPOCHS, errors);
            range("hyperParameters.unfreeze.layers", u.layers(), 1, 1000, errors);
            if (!(u.learningRate() > 0 && u.learningRate() <= 1)) {
                errors.add(new FieldError("hyperParameters.unfreeze.learningRate", "expected a number in (0, 1], "
                        + "found " + u.learningRate()));
            }
        }
    }

    private static void schema(int found, int expected, List<FieldError> errors) {
        if (found != expected) {
            errors.add(new FieldError("schemaVersion", "expected " + expected + ", found " + found));
        }
    }

    private static void jobId(String jobId, List<FieldError> errors) {
        if (jobId == null || !ObjectLayout.JOB_ID.matcher(jobId).matches()) {
            errors.add(new FieldError("jobId", "expected 1-128 letters, digits, '.', '_' or '-', found "
                    + quote(jobId)));
        }
    }

    private static void name(String field, String value, List<FieldError> errors) {
        if (value == null || !ObjectLayout.NAME.matcher(value).matches()) {
            errors.add(new FieldError(field, "expected a name of 1-64 lower-case letters, digits, '.', '_' or '-', "
                    + "found " + quote(value)));
        }
    }

    private static void version(String field, String value, List<FieldError> errors) {
        if (value == null || !VERSION.matcher(value).matches()) {
            errors.add(new FieldError(field, "expected a version number or 'latest', found " + quote(value)));
        }
    }

    private static void notBlank(String field, String value, List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(field, "expected a value, found " + quote(value)));
        }
    }

    private static void required(String field, Object value, List<FieldError> errors) {
        if (value == null) {
            errors.add(new FieldError(field, "expected a value, found nothing"));
        }
    }

    private static void imageSize(String field, int size, List<FieldError> errors) {
        range(field, size, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE, errors);
    }

    private static void range(String field, int value, int min, int max, List<FieldError> errors) {
        if (value < min || value > max) {
            errors.add(new FieldError(field, "expected " + min + " to " + max + ", found " + value));
        }
    }

    private static void between(String field, double value, double min, double max, List<FieldError> errors) {
        if (!(value >= min && value <= max)) {
            errors.add(new FieldError(field, "expected " + min + " to " + max + ", found " + value));
        }
    }

    private static String quote(String s) {
        return s == null ? "nothing" : "'" + s + "'";
    }
}
