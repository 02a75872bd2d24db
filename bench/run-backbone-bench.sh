#!/usr/bin/env bash
# Backbone benchmark: EfficientNet-Lite (ImageNet weights from ../shared/weights) on the ml module's direct executor
# (oneDNN driven directly) against ONNX Runtime and PyTorch, in interleaved rounds: each round runs DL4J, ONNX
# Runtime and PyTorch (channels_last, its faster layout here) one after another, each a fresh process timing
# inference at batch 1 and 32 (softmax included) and, for DL4J and PyTorch, the phase-2 fine-tuning step (top 4
# layers and a 102-class classifier from cached block inputs, batch-norm statistics frozen, Adam, batch 32).
# Writes bench/results/backbone-<time>/ and the table in bench/README.md (between the backbone-bench markers).
#
#   bench/run-backbone-bench.sh                       # efficientnet-lite0, 5 rounds, 8 s per figure
#   ROUNDS=3 SECONDS_PER_FIGURE=5 bench/run-backbone-bench.sh
#   ARCH=efficientnet-lite1 bench/run-backbone-bench.sh
#
# Peers: PyTorch from Debian (apt-get install python3-torch; /usr/bin/python3), which also exports the ONNX model;
# ONNX Runtime from PyPI in bench/.venv (python3 -m venv bench/.venv && bench/.venv/bin/pip install onnxruntime
# numpy). Threads: every framework uses all cores (PEER_THREADS / OMP_NUM_THREADS override).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
arch="${ARCH:-efficientnet-lite0}"
rounds="${ROUNDS:-5}"
seconds="${SECONDS_PER_FIGURE:-8}"
weights="${FINETUNE_WEIGHTS_DIR:-$root/../shared/weights}/$arch"
out="bench/results/backbone-$(date +%Y%m%dT%H%M%S)"
[[ -f "$weights/model.safetensors" ]] || { echo "no weights at $weights (set FINETUNE_WEIGHTS_DIR)" >&2; exit 2; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "PyTorch missing: apt-get install python3-torch" >&2; exit 2; }
[[ -x bench/.venv/bin/python ]] && bench/.venv/bin/python -c 'import onnxruntime' 2>/dev/null || {
  echo "ONNX Runtime missing: python3 -m venv bench/.venv && bench/.venv/bin/pip install onnxruntime numpy" >&2; exit 2; }
mkdir -p "$out"

if [[ "${BUILD:-1}" == 1 ]]; then
  ./mvnw -B -q -o -pl ml -am install -DskipTests
  ./mvnw -B -q -o -pl ml test-compile
fi
cp="ml/target/test-classes:ml/target/classes:$(cat ml/target/classpath.txt)"
java_opts=(-Dlogback.configurationFile=finetune-ml-cli-logback.xml)
# the product default (bench/README.md, "OpenMP waiting"); the peers keep their own
export_java() { GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}" "$@"; }

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores: $(nproc)"
  lscpu | grep -E '^(L1d|L2|L3) cache' | tr -s ' '
  echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|avx512f|avx512_bf16|amx_bf16|amx_tile|fma' | sort -u | tr '\n' ' ')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"
cat "$out/machine.txt" >&2

echo "exporting $arch to ONNX through PyTorch ..." >&2
/usr/bin/python3 bench/peer_backbone.py export "$weights" "$out/$arch.onnx" 2>"$out/export.log"

for ((i = 1; i <= rounds; i++)); do
  echo "round $i/$rounds: DL4J ..." >&2
  export_java java "${java_opts[@]}" -cp "$cp" io.finetune.ml.bench.BackboneBenchmark --arch "$arch" --seconds "$seconds" \
    2>>"$out/dl4j.log" | grep '^{' > "$out/dl4j-$i.json"
  echo "round $i/$rounds: ONNX Runtime ..." >&2
  bench/.venv/bin/python bench/peer_backbone.py ort "$out/$arch.onnx" "$seconds" 2>>"$out/ort.log" > "$out/ort-$i.json"
  echo "round $i/$rounds: PyTorch ..." >&2
  /usr/bin/python3 bench/peer_backbone.py torch "$weights" channels_last "$seconds" 4 2>>"$out/torch.log" \
    > "$out/torch-$i.json"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"

echo "DL4J training-step profile ..." >&2
java "${java_opts[@]}" -cp "$cp" io.finetune.ml.bench.BackboneBenchmark --arch "$arch" --seconds 2 --only train \
  --profile 2>&1 >/dev/null | grep '^per training step' > "$out/profile.txt" || true

python3 bench/backbone_bench_table.py "$out" > "$out/table.md"
python3 - "$out" <<'PY'
import pathlib, sys
out = pathlib.Path(sys.argv[1])
readme = pathlib.Path("bench/README.md")
text = readme.read_text()
block = "<!-- backbone-bench:begin -->\n" + (out / "table.md").read_text() + "<!-- backbone-bench:end -->"
if "<!-- backbone-bench:begin -->" in text:
    head, rest = text.split("<!-- backbone-bench:begin -->", 1)
    text = head + block + rest.split("<!-- backbone-bench:end -->", 1)[1]
else:
    text = text.rstrip() + "\n\n" + block + "\n"
readme.write_text(text)
PY
cat "$out/table.md"
echo "results in $out; table written to bench/README.md" >&2
