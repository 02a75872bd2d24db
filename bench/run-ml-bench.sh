#!/usr/bin/env bash
# ML throughput benchmark: seed-cnn, DL4J (the direct executor, and SameDiff NHWC for comparison) against Keras on
# tensorflow-cpu and PyTorch (NCHW and channels_last), in one run on this machine; then inference alone, DL4J and
# Keras alternating in short rounds; then a per-op profile of the DL4J training step with and without oneDNN.
# Writes bench/results/ml-<time>/ and the table in bench/README.md (between the ml-bench markers).
#
#   bench/run-ml-bench.sh                      # 180 px, batch 32, 20 s per figure, 5 interleaved rounds of 8 s
#   SIZE=96 SECONDS_PER_FIGURE=5 bench/run-ml-bench.sh
#   INTERLEAVED_ROUNDS=3 INTERLEAVED_SECONDS=6 bench/run-ml-bench.sh
#
# Peers: PyTorch from Debian (apt-get install python3-torch, run with /usr/bin/python3); Keras from
# bench/.venv (python3 -m venv bench/.venv && bench/.venv/bin/pip install tensorflow-cpu). A missing peer is
# reported and skipped.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
size="${SIZE:-180}"
batch="${BATCH:-32}"
seconds="${SECONDS_PER_FIGURE:-20}"
out="bench/results/ml-$(date +%Y%m%dT%H%M%S)"
mkdir -p "$out"

if [[ "${BUILD:-1}" == 1 ]]; then
  ./mvnw -B -q -o -pl ml install -DskipTests
fi
cp="ml/target/test-classes:ml/target/classes:$(cat ml/target/classpath.txt)"
java_opts=(-Dlogback.configurationFile=finetune-ml-cli-logback.xml)

echo "DL4J ..." >&2
java "${java_opts[@]}" -cp "$cp" io.finetune.ml.bench.ThroughputBenchmark "$size" "$batch" "$seconds" \
  2>"$out/dl4j.log" | grep '^{' > "$out/dl4j.json"
echo "DL4J, SameDiff engine (the previous one, for comparison) ..." >&2
java "${java_opts[@]}" -Dfinetune.ml.engine=samediff -cp "$cp" io.finetune.ml.bench.ThroughputBenchmark "$size" "$batch" \
  "$seconds" 2>"$out/dl4j-samediff.log" | grep '^{' > "$out/dl4j-samediff.json"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  for layout in nchw channels_last; do
    echo "PyTorch $layout ..." >&2
    /usr/bin/python3 bench/peer_torch.py "$layout" "$size" "$batch" "$seconds" > "$out/torch-$layout.json"
  done
else
  echo "PyTorch missing: apt-get install python3-torch" >&2
fi
if [[ -x bench/.venv/bin/python ]] && bench/.venv/bin/python -c 'import tensorflow' 2>/dev/null; then
  echo "Keras ..." >&2
  bench/.venv/bin/python bench/peer_keras.py "$size" "$batch" "$seconds" 2>"$out/keras.log" > "$out/keras.json"
else
  echo "Keras missing: python3 -m venv bench/.venv && bench/.venv/bin/pip install tensorflow-cpu" >&2
fi
rounds="${INTERLEAVED_ROUNDS:-5}"
if [[ -x bench/.venv/bin/python ]] && (( rounds > 0 )); then
  # Inference only, DL4J and Keras (the fastest inference peer) alternating in short runs: the host's speed drifts
  # by 10-30% over minutes, so pairs measured seconds apart give a steadier ratio than figures minutes apart.
  for ((i = 1; i <= rounds; i++)); do
    echo "Inference, interleaved round $i/$rounds ..." >&2
    java "${java_opts[@]}" -cp "$cp" io.finetune.ml.bench.ThroughputBenchmark "$size" "$batch" \
      "${INTERLEAVED_SECONDS:-8}" --inference-only 2>>"$out/interleaved.log" \
      | grep '^{' > "$out/interleaved-dl4j-$i.json"
    bench/.venv/bin/python bench/peer_keras.py "$size" "$batch" "${INTERLEAVED_SECONDS:-8}" --inference-only \
      2>>"$out/interleaved.log" > "$out/interleaved-keras-$i.json"
  done
fi
echo "DL4J per-op profile ..." >&2
java "${java_opts[@]}" -cp "$cp" io.finetune.ml.bench.ThroughputBenchmark "$size" "$batch" 0 --profile \
  2>"$out/profile.log" | sed -n 's/^md://p' > "$out/profile.md"

python3 bench/ml_bench_table.py "$out" > "$out/table.md"
python3 - "$out" <<'PY'
import pathlib, sys
out = pathlib.Path(sys.argv[1])
readme = pathlib.Path("bench/README.md")
text = readme.read_text() if readme.exists() else "# Benchmarks\n"
block = ("<!-- ml-bench:begin -->\n" + (out / "table.md").read_text()
         + "\nPer-op time of one DL4J training step (forward + backward):\n\n"
         + (out / "profile.md").read_text() + "<!-- ml-bench:end -->")
if "<!-- ml-bench:begin -->" in text:
    head, rest = text.split("<!-- ml-bench:begin -->", 1)
    text = head + block + rest.split("<!-- ml-bench:end -->", 1)[1]
else:
    text = text.rstrip() + "\n\n" + block + "\n"
readme.write_text(text)
PY
cat "$out/table.md"
echo "results in $out; table written to bench/README.md" >&2
