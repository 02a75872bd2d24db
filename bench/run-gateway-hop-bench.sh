#!/usr/bin/env bash
# What the gateway hop costs: a small model (seed-cnn, 96 px) answering one Flower102 photo, measured with hey (a Go
# HTTP load generator) straight against the inference service and through the gateway, at 1, 4 and 16 clients,
# in one run. Starts its own Kafka and MinIO (or reuses FINETUNE_KAFKA_BOOTSTRAP / FINETUNE_MINIO_ENDPOINT) and the
# four services; needs ../shared/datasets. Installs hey into .local/bin when missing (Go). Writes
# bench/results/gateway-hop-<time>/ and the table in bench/README-inference.md (between the gateway-hop markers).
# Run it on an idle machine: the table states the load average.
#
#   bench/run-gateway-hop-bench.sh                       # 15 s per figure, JVMs warmed 60 s first
#   SECONDS_PER_FIGURE=5 SERVICE_WARMUP=10 JFR=1 bench/run-gateway-hop-bench.sh   # JFR: record the gateway
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${SECONDS_PER_FIGURE:-15}"
clients="${CLIENTS:-1,4,16}"
service_warmup="${SERVICE_WARMUP:-60}"
hey_version="v0.1.4"
out="bench/results/gateway-hop-$(date +%Y%m%dT%H%M%S)"
mkdir -p "$out" .local/bin

hey="${HEY:-$root/.local/bin/hey}"
if [[ ! -x "$hey" ]]; then
  command -v go >/dev/null || { echo "expected Go to install hey (github.com/rakyll/hey), found none" >&2; exit 1; }
  echo "installing hey $hey_version into .local/bin (go install)" >&2
  GOBIN="$root/.local/bin" go install "github.com/rakyll/hey@$hey_version"
fi

if [[ "${BUILD:-1}" == 1 ]]; then
  ./mvnw -B -q -o -pl system-tests -am install -DskipTests
  ./mvnw -B -q -o -pl system-tests test-compile
fi
./mvnw -B -q -o -pl system-tests dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt
module="$root/system-tests"
cp="$module/target/test-classes:$(cat "$module/target/test-classpath.txt")"
[[ "${JFR:-0}" == 1 ]] && export JFR_DIR="$root/$out"

# From the module directory, so scratch files land under system-tests/target/; logs to stderr, the table to stdout.
(cd "$module" && java -Xmx1g -Dlogback.configurationFile=finetune-ml-cli-logback.xml -cp "$cp" \
  io.finetune.system.bench.GatewayHopBenchmark "$hey" "$seconds" "$clients" "$service_warmup") \
  2>"$out/bench.log" | grep -E '^(\||seed-cnn)' > "$out/table.md"
cat "$out/table.md"

python3 bench/readme_block.py gateway-hop "$out/table.md"
echo "results in $out; table written to bench/README-inference.md" >&2
