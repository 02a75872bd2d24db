#!/usr/bin/env bash
# Epoch-level check of the feature cache, through the product's own trainer: `ml finetune` on Flower102 from a
# seed-cnn base, once training the head on cached conv4 features (the default) and once running every batch through
# the frozen layers (--no-feature-cache), same data, seed and epochs. Compares the training images/s of each epoch
# (the trainer's own per-epoch figure: batches, steps and accuracy bookkeeping; validation excluded), median over
# the epochs after the first (the first one carries JIT warm-up and, cached, the feature extraction).
#
#   bench/run-epoch-bench.sh                                   # base: ml/target/exp180/base (from `ml experiment`)
#   BASE=path/to/base EPOCHS=6 DATA=../shared/datasets/flower102 bench/run-epoch-bench.sh
#
# Writes bench/results/epoch-<time>/ (both model packages' manifests and table.md). Run it on an idle machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
base="${BASE:-ml/target/exp180/base}"
data="${DATA:-../shared/datasets/flower102}"
epochs="${EPOCHS:-6}"
out="bench/results/epoch-$(date +%Y%m%dT%H%M%S)"
if [[ ! -f "$base/manifest.json" ]]; then
  echo "expected a seed-cnn base model package at $base, found none; make one with" >&2
  echo "  ./finetune ml experiment --out ml/target/exp180 --image-size 180 --base-epochs 10 --epochs 10" >&2
  exit 2
fi
[[ -d "$data" ]] || { echo "expected Flower102 at $data, found nothing (see ../shared/datasets/README.md)" >&2; exit 2; }
size="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["imageSize"])' "$base/manifest.json")"
mkdir -p "$out"
for mode in cached uncached; do
  flag=()
  [[ "$mode" == uncached ]] && flag=(--no-feature-cache)
  echo "ml finetune, $mode ..." >&2
  ./finetune ml finetune --base "$base" --data "$data" --out "$out/$mode" --checkpoints "$out/$mode.ckpt" \
    --image-size "$size" --epochs "$epochs" --name "epoch-bench-$mode" "${flag[@]}" > "$out/$mode.log" 2>&1
  cp "$out/$mode/manifest.json" "$out/$mode.manifest.json"
  rm -rf "$out/$mode" "$out/$mode.ckpt"
done
python3 - "$out" "$base" "$epochs" <<'PY' | tee "$out/table.md"
import json, statistics, sys, pathlib
out, base, epochs = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
hist = {m: json.load(open(out / f"{m}.manifest.json"))["history"] for m in ("cached", "uncached")}
print(f"`ml finetune` on Flower102 from `{base}`, {epochs} epochs, run `{out.name}`: training images/s per epoch "
      "(validation excluded)\n")
print("| epoch | cached head (img/s) | uncached, through the frozen layers (img/s) | ratio |")
print("|---|---|---|---|")
for c, u in zip(hist["cached"], hist["uncached"]):
    print(f"| {c['epoch']} | {c['imagesPerSecond']:,.0f} | {u['imagesPerSecond']:,.0f} | "
          f"{c['imagesPerSecond'] / u['imagesPerSecond']:.1f} |")
mc = statistics.median(e["imagesPerSecond"] for e in hist["cached"][1:])
mu = statistics.median(e["imagesPerSecond"] for e in hist["uncached"][1:])
print(f"| median of epochs 2-{epochs} | {mc:,.0f} | {mu:,.0f} | **{mc / mu:.1f}** |")
va = [h[-1]["validationAccuracy"] for h in (hist["cached"], hist["uncached"])]
print(f"\nFinal validation accuracy: cached {va[0]:.3f}, uncached {va[1]:.3f} (the same training, computed two ways).")
PY
echo "results in $out" >&2
