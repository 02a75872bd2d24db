#!/usr/bin/env bash
# Ingest throughput of the dataset service for flower5 (see bench/README-dataset.md).
# Usage: bench/dataset-ingest/run.sh [policy...]   policies: resized:128 resized:512 originals (default: all three)
# JAVA_OPTS="-Dfinetune.dataset.upload-threads=32 -Dfinetune.dataset.shard-bytes=262144" changes service settings.
# Starts its own Kafka and MinIO unless FINETUNE_KAFKA_BOOTSTRAP and FINETUNE_MINIO_ENDPOINT name running ones.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -o -q -pl dataset-service test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cd dataset-service
exec java -Xmx1g ${JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.finetune.dataset.bench.IngestBenchmark "$@"
