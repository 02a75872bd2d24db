#!/usr/bin/env bash
# Inference benchmark: seed-cnn at 180 px, single-image requests at 1, 8 and 32 concurrent clients, through the
# inference service (its own process, loopback HTTP) without and with micro-batching, against the ml module's raw
# in-process throughput in the same run. Starts its own Kafka and MinIO (or reuses FINETUNE_KAFKA_BOOTSTRAP /
# FINETUNE_MINIO_ENDPOINT). Writes bench/results/inference-<time>/ and the table in bench/README-inference.md
# (between the inference-bench markers).
#
#   bench/inference/run.sh                     # 20 s per figure, 5 s warm-up
#   SECONDS_PER_FIGURE=5 WARMUP=2 bench/inference/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
seconds="${SECONDS_PER_FIGURE:-20}"
warmup="${WARMUP:-5}"
clients="${CLIENTS:-1,8,32}"
out="bench/results/inference-$(date +%Y%m%dT%H%M%S)"
mkdir -p "$out"

if [[ "${BUILD:-1}" == 1 ]]; then
  ./mvnw -B -q -o -pl inference-service test-compile
fi
./mvnw -B -q -o -pl inference-service dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt
module="$root/inference-service"
cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/test-classpath.txt")"

# From the module directory, so scratch files land under inference-service/target/.
(cd "$module" && java -Xmx2g -cp "$cp" \
  io.finetune.inference.bench.InferenceBenchmark "$seconds" "$warmup" "$clients") \
  2>"$out/bench.log" > "$out/stdout.log"
# The table only: ND4J and Kafka clients also write to stdout.
grep -E '^(\||seed-cnn|$)' "$out/stdout.log" | cat -s > "$out/table.md"
cat "$out/table.md"

python3 - "$out" <<'PY'
import pathlib, sys
out = pathlib.Path(sys.argv[1])
readme = pathlib.Path("bench/README-inference.md")
text = readme.read_text() if readme.exists() else "# Inference benchmark\n\n<!-- inference-bench:begin -->\n<!-- inference-bench:end -->\n"
block = "<!-- inference-bench:begin -->\n" + (out / "table.md").read_text() + "<!-- inference-bench:end -->"
head, rest = text.split("<!-- inference-bench:begin -->", 1)
readme.write_text(head + block + rest.split("<!-- inference-bench:end -->", 1)[1])
PY
