#!/usr/bin/env bash
# Serving benchmark: a fine-tuned ImageNet EfficientNet-Lite0 answering single Flower102 photos through the gateway
# and the inference service (each its own JVM, loopback HTTP), through the inference service alone, and in-process
# (the ml module), at 1, 4 and 16 concurrent clients, in one run. Starts its own Kafka and MinIO (or reuses
# FINETUNE_KAFKA_BOOTSTRAP / FINETUNE_MINIO_ENDPOINT) and the four services. Needs ../shared/weights and
# ../shared/datasets. Writes bench/results/serving-<time>/ and the table in bench/README-inference.md (between the
# serving-bench markers).
#
# The three paths run interleaved (ROUNDS rounds, each path SECONDS_PER_FIGURE / ROUNDS per round, WARMUP seconds
# unmeasured before each slice) with the whole system up, so a burst of machine noise falls on all of them alike.
#
#   bench/run-serving-bench.sh                        # 15 s per path in 5 rounds, JVMs warmed 60 s first
#   SECONDS_PER_FIGURE=5 ROUNDS=2 SERVICE_WARMUP=10 bench/run-serving-bench.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${SECONDS_PER_FIGURE:-15}"
warmup="${WARMUP:-1}"
clients="${CLIENTS:-1,4,16}"
service_warmup="${SERVICE_WARMUP:-60}"
rounds="${ROUNDS:-5}"
out="bench/results/serving-$(date +%Y%m%dT%H%M%S)"
# As the launcher, the ml CLI and the images run them (bench/README.md, "OpenMP waiting"): every JVM started here
# (the in-process side and the services, which inherit this environment) waits 10,000 spins, not libgomp's 300,000.
export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}"
mkdir -p "$out"

if [[ "${BUILD:-1}" == 1 ]]; then
  ./mvnw -B -q -o -pl system-tests -am install -DskipTests
  ./mvnw -B -q -o -pl system-tests test-compile
fi
./mvnw -B -q -o -pl system-tests dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt
module="$root/system-tests"
cp="$module/target/test-classes:$(cat "$module/target/test-classpath.txt")"

# From the module directory, so scratch files land under system-tests/target/; logs to stderr, the table to stdout.
(cd "$module" && java -Xmx3g -Dbench.out="$root/$out" -Dlogback.configurationFile=finetune-ml-cli-logback.xml -cp "$cp" \
  io.finetune.system.bench.ServingBenchmark "$seconds" "$warmup" "$clients" "$service_warmup" "$rounds") \
  2>"$out/bench.log" | grep -E '^(\||EfficientNet)' > "$out/table.md"
cat "$out/table.md"

python3 bench/readme_block.py serving-bench "$out/table.md"
echo "results in $out; table written to bench/README-inference.md" >&2
