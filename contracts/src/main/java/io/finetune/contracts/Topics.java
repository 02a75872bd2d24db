package io.finetune.contracts;

import java.util.List;

/** The one registry of Kafka topic names. No topic string literal appears anywhere else. */
public final class Topics {
    /** {@link TrainingCommand}s, keyed by jobId. */
    public static final String TRAINING_COMMANDS = "finetune.training.commands";
    /** Training commands that could not be parsed: original bytes as the value, the error in headers. */
    public static final String TRAINING_COMMANDS_DLQ = "finetune.training.commands.dlq";
    /** {@link TrainingEvent}s, keyed by jobId. */
    public static final String TRAINING_EVENTS = "finetune.training.events";
    /** {@link DatasetEvent}s, keyed by dataset name. */
    public static final String DATASET_EVENTS = "finetune.dataset.events";
    /** {@link ModelPublished} announcements, keyed by model name. */
    public static final String MODELS_PUBLISHED = "finetune.models.published";
    /** {@link ServingState} documents, announced after they were written to storage; keyed by model name. */
    public static final String SERVING_CHANGES = "finetune.serving.changes";

    /** Header names used on dead-letter records. */
    public static final String HEADER_ERROR = "finetune-error";
    public static final String HEADER_SOURCE_TOPIC = "finetune-source-topic";
    public static final String HEADER_SOURCE_PARTITION = "finetune-source-partition";
    public static final String HEADER_SOURCE_OFFSET = "finetune-source-offset";

    private Topics() {
    }

    public static List<String> all() {
        return List.of(TRAINING_COMMANDS, TRAINING_COMMANDS_DLQ, TRAINING_EVENTS, DATASET_EVENTS, MODELS_PUBLISHED,
                SERVING_CHANGES);
    }
}
